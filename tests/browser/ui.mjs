// Drives reel's whole web UI in Debian's Chromium (headless, via
// playwright-core) the way two people would, against a reeld started by
// test_browser.c, and reports what it saw as one JSON line on stdout (the
// C test asserts on it). Steps, in order (each records into `result`):
//
//   register    alice registers through /login
//   upload      she uploads CLIP through /upload: progress to 100 %, then
//               processing progress, then the link to watch it
//   watch       it plays past the first chunk boundary; the quality menu
//               lists the rungs; choosing another rung changes videoWidth
//   analytics   her watching reaches the owner's retention chart
//   search      bob registers, finds the video by typing part of its title
//               in the header (results as you type), subscribes, comments
//               and replies (and edits his comment)
//   alice       sees her notifications and bob's comment; deletes his
//               reply (owner), answers him
//   resume      alice uploads CLIP2 with the upload throttled; the
//               connection drops for a moment (tus retries from the
//               server's offset); she reloads the page, picks the file
//               again: the upload goes on from the server's offset,
//               completes, is processed
//   bob-bell    bob is notified of alice's new video; his feed shows it
//   failed      a file that is not a video, dropped on the page: processing
//               fails with a reason
//   offline     a comment sent offline says the server cannot be reached
//   paging      more comments than a page: "More comments" shows the rest
//   channel     un- and re-subscribing on the channel page
//   logout      log out, a wrong password, log in
//   notfound    /channel/nobody is the 404 page
//   a11y        labels, alt texts, skip link, no sideways scrolling at 390 px
//   screenshots home, watch, upload, channel at 1280x800 and 390x844
//
//   node ui.mjs BASE_URL CLIP CLIP2 ARTIFACT_DIR TIMEOUT_S
import { chromium } from 'playwright-core';
import { mkdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const [base, clip, clip2, artifacts, timeoutArg] = process.argv.slice(2);
const T = Number(timeoutArg || 120) * 1000;
const PASSWORD = 'correct horse battery';
const TITLE1 = 'Bouncing ball <b>at dusk</b> & friends';
const TITLE2 = 'Test card, second upload';
const FIRST_BOUNDARY_S = 4;
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

mkdirSync(artifacts, { recursive: true });
const result = { ok: false, step: 'start', errors: [], httpErrors: [] };
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--autoplay-policy=no-user-gesture-required'],
});

// A browser context for one person; console errors and HTTP errors of its
// pages are collected (an expected one is named in `expect`).
async function person(options, expectHttp = []) {
  const ctx = await browser.newContext(options);
  ctx.setDefaultTimeout(T);
  ctx.on('page', (p) => watchPage(p, expectHttp));
  return ctx;
}

function watchPage(page, expectHttp) {
  page.on('console', (m) => {
    const where = `${page.url()} ${m.location().url}`;
    if (m.type() === 'error' && !expectHttp.some((x) => where.includes(x))) {
      result.errors.push(`${page.url()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => result.errors.push(`${page.url()}: ${e}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !expectHttp.some((x) => r.url().includes(x))) {
      result.httpErrors.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    }
  });
}

// A TCP proxy to 127.0.0.1:port that passes at most `rate` bytes a second
// from the browser to reeld (so an upload has a middle), counts them, and
// whose connections cut() breaks at once (what a dropped network
// connection looks like to both ends).
const TICK_MS = 50;
async function tcpProxy(port, rate) {
  const open = new Set();
  const proxy = { forwarded: 0, rate };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), '127.0.0.1');
    const pair = [client, upstream];
    const queue = [];
    for (const sock of pair) {
      open.add(sock);
      sock.on('error', () => {});
      sock.on('close', () => {
        clearInterval(timer);
        for (const x of pair) { x.destroy(); open.delete(x); }
      });
    }
    client.on('data', (chunk) => {
      queue.push(chunk);
      client.pause();
    });
    const timer = setInterval(() => {
      let budget = (proxy.rate * TICK_MS) / 1000;
      while (queue.length && budget > 0) {
        const chunk = queue.shift();
        const part = chunk.subarray(0, budget);
        if (part.length < chunk.length) queue.unshift(chunk.subarray(part.length));
        upstream.write(part);
        proxy.forwarded += part.length;
        budget -= part.length;
      }
      if (!queue.length) client.resume();
    }, TICK_MS);
    upstream.pipe(client);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  proxy.port = server.address().port;
  proxy.cut = () => {
    const n = open.size / 2;
    for (const sock of open) sock.resetAndDestroy();
    return n;
  };
  proxy.close = () => { proxy.cut(); server.close(); };
  return proxy;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function register(page, username, display) {
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Log in' }).click();
  await page.waitForURL('**/login?next=*');
  await page.locator('#register-username').fill(username);
  await page.getByLabel('Display name').fill(display);
  await page.locator('#register-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}/`);
  return page.locator('.me').textContent();
}

async function token(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('reel.session')).token);
}

// Runs in the page: records each navigator.sendBeacon call in
// sessionStorage, which outlives the page that sent it.
function noteBeacons() {
  const send = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, data) => {
    const ok = send(url, data);
    const seen = JSON.parse(sessionStorage.getItem('reel.test.beacons') || '[]');
    seen.push({ url, data: String(data), ok });
    sessionStorage.setItem('reel.test.beacons', JSON.stringify(seen));
    return ok;
  };
}

// Picks a file on /upload and waits until the page has looked for an
// earlier, unfinished upload of it.
async function pick(page, file) {
  await page.setInputFiles('#file', file);
  await page.waitForSelector('#start:not([disabled])');
}

async function uploadThroughUi(page, file, title, description) {
  await page.goto(`${base}/upload`);
  await pick(page, file);
  await page.getByLabel('Title').fill(title);
  if (description) await page.getByLabel('Description').fill(description);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForFunction(() => window.reelUpload.done);
  return page.evaluate(() => window.reelUpload.videoId);
}

// The accessibility basics of the page shown: every form control and
// image has a name, the first Tab lands on the skip link, nothing scrolls
// sideways, and every clickable thing is a link or a button.
async function audit(page) {
  return page.evaluate(() => {
    const unnamed = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
        unnamed.push(el.id || el.name || el.outerHTML.slice(0, 60));
      }
    }
    for (const img of document.querySelectorAll('img')) {
      if (!img.hasAttribute('alt')) unnamed.push(`img ${img.src}`);
    }
    for (const b of document.querySelectorAll('button')) {
      if (!b.textContent.trim() && !b.getAttribute('aria-label')) unnamed.push(`button ${b.outerHTML.slice(0, 60)}`);
    }
    return {
      unnamed,
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      skipFirst: document.querySelector('a, button, input, select, textarea')?.className === 'skip',
    };
  });
}

try {
  /* ---- alice registers and uploads ---- */
  result.step = 'register';
  const alice = await person(DESKTOP);
  const a = await alice.newPage();
  await a.addInitScript(noteBeacons);
  result.aliceHeader = await register(a, 'alice', 'Alice Example');

  result.step = 'upload';
  await a.getByRole('link', { name: 'Upload' }).click();
  await a.waitForURL('**/upload');
  await pick(a, clip);
  await a.getByLabel('Title').fill(TITLE1);
  await a.getByLabel('Description').fill('A ball bounces over a test pattern.\nSecond line.');
  await a.getByRole('button', { name: 'Upload' }).click();
  await a.waitForFunction(() => window.reelUpload.done);
  result.upload = await a.evaluate(() => ({
    videoId: window.reelUpload.videoId,
    maxProgress: Math.max(...window.reelUpload.progress),
    bar: document.getElementById('upload-bar').value,
    barMax: document.getElementById('upload-bar').max,
    text: document.getElementById('upload-pct').textContent,
  }));
  // Processing progress: what the page says while the parts are transcoded.
  const seen = new Set();
  const deadline = Date.now() + T;
  while (Date.now() < deadline) {
    const s = await a.evaluate(() => ({
      text: document.getElementById('process-status').textContent,
      state: window.reelUpload.processing && window.reelUpload.processing.state,
      link: !document.getElementById('watch-link').hidden,
    }));
    seen.add(s.text);
    if (s.state === 'ready' || s.state === 'failed') break;
    await a.waitForTimeout(250);
  }
  result.upload.processingTexts = [...seen].filter(Boolean);
  await shot(a, 'upload-done-desktop');
  result.upload.watchLink = await a.getByRole('link', { name: /Watch it/ }).getAttribute('href');

  /* ---- alice watches ---- */
  result.step = 'watch';
  await a.getByRole('link', { name: /Watch it/ }).click();
  await a.waitForURL('**/watch/*');
  await a.waitForFunction(() => window.reelPlayer && window.reelPlayer.attached && window.reelPlayer.hls
    && window.reelPlayer.hls.levels.length > 0);
  await a.evaluate(() => { const v = document.getElementById('video'); v.muted = true; v.play(); });
  await a.waitForFunction((t) => document.getElementById('video').currentTime > t, FIRST_BOUNDARY_S + 0.5,
                          { polling: 100 });
  const before = await a.evaluate(() => {
    const v = document.getElementById('video');
    const hls = window.reelPlayer.hls;
    return { currentTime: v.currentTime, videoWidth: v.videoWidth, videoHeight: v.videoHeight,
             level: hls.currentLevel, levels: hls.levels.map((l) => `${l.width}x${l.height}`) };
  });
  const menu = await a.$$eval('#quality option', (os) => os.map((o) => ({ value: o.value, label: o.textContent })));
  const renditions = await a.evaluate(async (id) => (await (await fetch(`/api/v1/videos/${id}`)).json()).renditions,
                                      result.upload.videoId);
  const other = renditions.filter((r) => r.kind === 'video').find((r) => r.width !== before.videoWidth);
  await a.getByLabel('Quality').selectOption(other.name);
  await a.waitForFunction((w) => document.getElementById('video').videoWidth === w, other.width, { polling: 100 });
  const t0 = await a.evaluate(() => document.getElementById('video').currentTime);
  // Past the first progress heartbeat (10 s of playing) too.
  await a.waitForFunction((t) => document.getElementById('video').currentTime > Math.max(t + 1, 11),
                          t0, { polling: 100 });
  const after = await a.evaluate(() => {
    const v = document.getElementById('video');
    const hls = window.reelPlayer.hls;
    return { currentTime: v.currentTime, videoWidth: v.videoWidth, videoHeight: v.videoHeight,
             level: hls.currentLevel, playing: document.getElementById('playing').textContent };
  });
  result.watch = {
    before, after, menu, chosen: other.name, chosenWidth: other.width,
    title: await a.locator('h1#title').textContent(),
    boldInTitle: await a.locator('h1#title b').count(),
    playerErrors: await a.evaluate(() => window.reelPlayer.errors),
    mediaError: await a.evaluate(() => { const e = document.getElementById('video').error; return e ? e.code : null; }),
    // Seek back and pause, so the session has every kind of action.
  };
  await a.evaluate(() => { const v = document.getElementById('video'); v.currentTime = 1; });
  await a.waitForTimeout(500);
  await a.evaluate(() => document.getElementById('video').pause());
  await a.waitForFunction(() => window.reelActions.batches > 0);
  // Playing again, then leaving the page: what is queued goes with
  // sendBeacon (which playwright does not report as a request: the page
  // notes its beacons in sessionStorage, see noteBeacons).
  // To the end: a jump near it, then `ended`.
  await a.evaluate(() => { const v = document.getElementById('video'); v.currentTime = v.duration - 1.5; v.play(); });
  await a.waitForFunction(() => window.reelActions.sent.includes('ended'));
  await a.evaluate(() => { document.getElementById('video').currentTime = 5; });
  // Posted, not only queued: the beacon below must start with the play.
  await a.waitForFunction(() => window.reelActions.posted.filter((x) => x === 'seek').length === 3);
  await a.evaluate(() => document.getElementById('video').play());
  await a.waitForFunction(() => window.reelActions.sent.filter((x) => x === 'play').length === 3);
  result.watch.actions = await a.evaluate(() => window.reelActions.sent);
  await a.goto(`${base}/`);
  const beacons = await a.evaluate(() => JSON.parse(sessionStorage.getItem('reel.test.beacons') || '[]'));
  result.watch.beacon = beacons.length ? {
    queued: beacons[0].ok,
    actions: JSON.parse(beacons[0].data).events.map((e) => e.action),
    hasToken: !!JSON.parse(beacons[0].data).token,
  } : null;

  /* ---- the owner's retention chart ---- */
  result.step = 'analytics';
  await a.goto(`${base}/watch/${result.upload.videoId}`);
  const chartDeadline = Date.now() + 30000;
  let wt = 0;
  while (Date.now() < chartDeadline) {
    await a.waitForSelector('#retention[data-points]');
    wt = Number(await a.locator('#retention').getAttribute('data-watch-time'));
    if (wt > 0) break;
    await a.waitForTimeout(1000);
    await a.getByRole('button', { name: 'Refresh' }).click();
    await a.waitForTimeout(300);
  }
  result.analytics = {
    watchTime: wt,
    points: Number(await a.locator('#retention').getAttribute('data-points')),
    svg: await a.locator('#retention svg path.line').count(),
    stats: await a.locator('#audience-stats').textContent(),
  };

  /* ---- bob finds it, subscribes, comments, replies ---- */
  result.step = 'search';
  const bobCtx = await person(DESKTOP, ['/channel/nobody', '/api/v1/sessions']);
  const b = await bobCtx.newPage();
  await register(b, 'bob', 'Bob');
  await b.getByLabel('Search videos').click();
  await b.keyboard.type('bounc', { delay: 60 });
  const hit = b.locator('#live-results a.live-hit').first();
  await hit.waitFor();
  result.search = {
    hitText: await hit.locator('.live-title').textContent(),
    hitMarks: await hit.locator('.live-title mark').allTextContents(),
    hitBold: await hit.locator('.live-title b').count(),
  };
  await shot(b, 'search-as-you-type-desktop');
  await b.keyboard.press('ArrowDown'); // keyboard: into the results
  result.search.focusedHit = await b.evaluate(() => document.activeElement.classList.contains('live-hit'));
  await b.keyboard.press('Enter');
  await b.waitForURL(`**/watch/${result.upload.videoId}`);
  const sub = b.getByRole('button', { name: /Subscribe to/ });
  await sub.click();
  await b.waitForSelector('#subscribe[aria-pressed="true"]');
  result.subscribe = {
    button: await b.locator('#subscribe').textContent(),
    count: await b.locator('#subscribers').textContent(),
  };
  await b.getByLabel('Add a comment').fill('Great bounce!');
  await b.getByRole('button', { name: 'Comment', exact: true }).click();
  await b.locator('.comments > li.comment', { hasText: 'Great bounce!' }).waitFor();
  const bobCommentId = await b.locator('.comments > li.comment', { hasText: 'Great bounce!' }).getAttribute('data-id');
  const bobComment = b.locator(`li.comment[data-id="${bobCommentId}"]`);
  await bobComment.getByRole('button', { name: 'Reply to bob' }).click();
  await b.getByLabel('Your reply to bob').fill('And the sound is in sync.');
  await b.getByRole('button', { name: 'Reply', exact: true }).click();
  await bobComment.locator('.replies li', { hasText: 'And the sound is in sync.' }).waitFor();
  await bobComment.getByRole('button', { name: 'Edit your comment' }).first().click();
  await b.getByLabel('Change your comment').fill('Great bounce, really!');
  await b.getByRole('button', { name: 'Save' }).click();
  await bobComment.locator('.edited:not([hidden])').first().waitFor();
  result.comments = { bobSees: await b.locator('.comments').innerText() };

  /* ---- alice sees the notification and the comment ---- */
  result.step = 'alice';
  await a.goto(`${base}/`);
  await a.waitForSelector('#bell .badge:not([hidden])');
  result.alice = { bellLabel: await a.locator('#bell').getAttribute('aria-label') };
  await a.locator('#bell').click();
  await a.locator('#notifications li').first().waitFor();
  result.alice.notifications = await a.locator('#notifications li').allInnerTexts();
  await a.locator('#notifications a', { hasText: 'is ready to watch' }).click();
  await a.waitForURL(`**/watch/${result.upload.videoId}`);
  const thread = a.locator('.comments > li.comment').filter({ hasText: 'Great bounce, really!' });
  await thread.waitFor();
  result.alice.sees = await thread.innerText();
  // The owner may delete a reply on her video; then she answers.
  const reply = thread.locator('.replies li', { hasText: 'And the sound is in sync.' });
  await reply.getByRole('button', { name: 'Delete the comment of bob' }).click();
  await reply.getByRole('button', { name: 'Yes, delete' }).click();
  await reply.waitFor({ state: 'detached' });
  await thread.getByRole('button', { name: 'Reply to bob' }).first().click();
  await a.getByLabel('Your reply to bob').fill('Thanks, Bob!');
  await a.getByRole('button', { name: 'Reply', exact: true }).click();
  await thread.locator('.replies li', { hasText: 'Thanks, Bob!' }).waitFor();
  await a.reload();
  await a.locator('.comments > li.comment').first().waitFor();
  result.alice.afterReload = await a.locator('.comments').innerText();

  /* ---- an upload interrupted by a dropped connection, then by a page reload, resumes ---- */
  result.step = 'resume';
  // The page talks to reeld through a slow TCP proxy, so the upload has a
  // middle, and the test can cut its connection there.
  const size2 = statSync(clip2).size;
  const SLOW = 150 * 1024;
  const proxy = await tcpProxy(new URL(base).port, SLOW);
  const proxied = `http://127.0.0.1:${proxy.port}`;
  const u = await alice.newPage();
  const patches = [];
  u.on('request', (r) => {
    if (r.method() === 'PATCH' && r.url().includes('/api/v1/uploads/')) patches.push(Number(r.headers()['upload-offset']));
  });
  await u.goto(`${proxied}/login`);
  await u.evaluate((t) => localStorage.setItem('reel.session', JSON.stringify({ token: t, username: 'alice' })),
                   await token(a));
  await u.goto(`${proxied}/upload`);
  await pick(u, clip2);
  await u.getByLabel('Title').fill(TITLE2);
  let mark = proxy.forwarded;
  const until = async (cond) => {
    const deadline = Date.now() + T;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${cond}`);
      await u.waitForTimeout(20);
    }
  };
  await u.getByRole('button', { name: 'Upload' }).click();
  // 15 % in, the connection drops; tus-js-client asks the server where it
  // stopped (HEAD) and sends the rest from there.
  await until(() => proxy.forwarded - mark >= 0.15 * size2);
  result.resume = { cut: proxy.cut() };
  proxy.rate = 1e9; // (Chromium may first resend the whole body on a new connection)
  await until(() => patches.some((o) => o > 0));
  proxy.rate = SLOW;
  mark = proxy.forwarded;
  result.resume.retries = await u.evaluate(() => window.reelUpload.retries);
  // 20 % later the page is reloaded (the network drops that upload too).
  await until(() => proxy.forwarded - mark >= 0.2 * size2);
  await shot(u, 'upload-progress-desktop');
  result.resume.patchesBeforeReload = patches.slice();
  proxy.cut();
  proxy.rate = 1e9;
  await u.reload();
  await u.locator('#unfinished li').first().waitFor();
  result.resume.unfinished = await u.locator('#unfinished-list').innerText();
  const patchesBefore = patches.length;
  await pick(u, clip2);
  result.resume.button = await u.locator('#start').textContent();
  result.resume.info = await u.locator('#file-info').textContent();
  await u.getByRole('button', { name: 'Resume upload' }).click();
  await u.waitForFunction(() => window.reelUpload.done);
  Object.assign(result.resume, await u.evaluate(() => ({
    videoId: window.reelUpload.videoId,
    resumedFrom: window.reelUpload.resumedFrom,
    firstProgress: window.reelUpload.progress[0],
    maxProgress: Math.max(...window.reelUpload.progress),
  })));
  result.resume.patchOffsetsAfter = patches.slice(patchesBefore);
  await u.waitForFunction(() => window.reelUpload.processing && window.reelUpload.processing.state === 'ready');
  await u.close();
  proxy.close();
  // What the browser logs for the cut connections: failed requests, and the
  // 409 of a body it resent from offset 0 after the server had kept a part.
  const cutNoise = (e) => e.includes(proxied) && (e.includes('net::ERR_') || e.includes('409'));
  result.resume.cutNoise = result.errors.filter(cutNoise).length + result.httpErrors.filter(cutNoise).length;
  result.errors = result.errors.filter((e) => !cutNoise(e));
  result.httpErrors = result.httpErrors.filter((e) => !cutNoise(e));

  /* ---- bob is told about alice's new video ---- */
  result.step = 'bob-bell';
  await b.goto(`${base}/`);
  await b.locator('#bell').click();
  await b.locator('#notifications li', { hasText: TITLE2 }).waitFor();
  result.bob = {
    notifications: await b.locator('#notifications li').allInnerTexts(),
    feed: await b.locator('#feed .card-title').allInnerTexts(),
    latest: await b.locator('#latest .card-title').allInnerTexts(),
  };
  await b.getByRole('button', { name: 'Mark all as read' }).click();
  await b.waitForSelector('#bell .badge[hidden]', { state: 'attached' });
  result.bob.afterRead = await b.locator('#bell').getAttribute('aria-label');

  /* ---- failed processing shows the reason ---- */
  result.step = 'failed';
  await a.goto(`${base}/upload`);
  // Dropped on the drop zone rather than picked.
  const dropped = await a.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['This is a text file, not a video.\n'.repeat(40)], 'not-a-video.mp4',
                          { type: 'video/mp4' }));
    return dt;
  });
  await a.dispatchEvent('#drop', 'drop', { dataTransfer: dropped });
  await a.waitForSelector('#start:not([disabled])');
  result.dropped = await a.locator('#file-info').textContent();
  await a.getByLabel('Title').fill('Not a video');
  await a.getByRole('button', { name: 'Upload' }).click();
  await a.waitForFunction(() => window.reelUpload.processing && window.reelUpload.processing.state === 'failed');
  await a.locator('#recent-list li', { hasText: 'failed:' }).waitFor();
  result.failed = {
    videoId: await a.evaluate(() => window.reelUpload.videoId),
    text: await a.locator('#process-status').textContent(),
    recent: await a.locator('#recent-list').innerText(),
  };
  await a.goto(`${base}/watch/${result.failed.videoId}`);
  await a.waitForSelector('#status.error');
  result.failed.watch = await a.locator('#status').textContent();

  /* ---- network errors ---- */
  result.step = 'offline';
  await b.goto(`${base}/watch/${result.upload.videoId}`);
  await b.getByLabel('Add a comment').waitFor();
  await bobCtx.setOffline(true);
  await b.getByLabel('Add a comment').fill('Sent while offline');
  await b.getByRole('button', { name: 'Comment', exact: true }).click();
  await b.locator('#new-comment .status.error').waitFor();
  result.offline = await b.locator('#new-comment .status').textContent();
  await bobCtx.setOffline(false);
  result.errors = result.errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'));

  /* ---- comment paging ---- */
  result.step = 'paging';
  await b.evaluate(async (id) => {
    const t = JSON.parse(localStorage.getItem('reel.session')).token;
    for (let i = 1; i <= 21; i++) {
      await fetch(`/api/v1/videos/${id}/comments`, { method: 'POST',
        headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: `Comment number ${i}` }) });
    }
  }, result.upload.videoId);
  await b.reload();
  await b.locator('.comments li.comment').first().waitFor();
  result.paging = { first: await b.locator('.comments li.comment').count() };
  await b.getByRole('button', { name: 'More comments' }).click();
  await b.locator('.comments li.comment', { hasText: 'Great bounce, really!' }).waitFor();
  result.paging.all = await b.locator('.comments li.comment').count();
  result.paging.moreHidden = await b.locator('button.more:has-text("More comments")').isHidden();
  result.paging.newest = await b.locator('.comments > li.comment .comment-text').first().textContent();

  /* ---- the channel page's subscribe button; log out, log in ---- */
  result.step = 'channel';
  await b.goto(`${base}/channel/alice`);
  await b.getByRole('button', { name: 'Unsubscribe from Alice Example' }).click();
  await b.getByRole('button', { name: 'Subscribe to Alice Example' }).waitFor();
  result.channel = { afterUnsubscribe: await b.locator('#subscribers').textContent() };
  await b.getByRole('button', { name: 'Subscribe to Alice Example' }).click();
  await b.getByRole('button', { name: 'Unsubscribe from Alice Example' }).waitFor();
  result.channel.afterSubscribe = await b.locator('#subscribers').textContent();
  result.channel.videos = await b.locator('#videos .card-title').allInnerTexts();
  result.step = 'logout';
  result.bobToken = await token(b);
  await b.getByRole('button', { name: 'Log out' }).click();
  await b.getByRole('link', { name: 'Log in' }).waitFor();
  result.logout = { stored: await b.evaluate(() => localStorage.getItem('reel.session')) };
  await b.getByRole('link', { name: 'Log in' }).click();
  await b.locator('#login-username').fill('bob');
  await b.locator('#login-password').fill('not the password');
  await b.getByRole('button', { name: 'Log in' }).click();
  await b.locator('#login-status.error').waitFor();
  result.logout.wrong = await b.locator('#login-status').textContent();
  await b.locator('#login-password').fill(PASSWORD);
  await b.getByRole('button', { name: 'Log in' }).click();
  await b.waitForURL(`${base}/`);
  result.logout.header = await b.locator('.me').textContent();

  /* ---- 404 ---- */
  result.step = 'notfound';
  const nf = await b.goto(`${base}/channel/nobody`);
  result.notfound = { status: nf.status(), h1: await b.locator('h1').textContent() };

  /* ---- screenshots and the accessibility basics, desktop and phone ---- */
  result.step = 'screenshots';
  const aliceToken = await token(a);
  result.aliceToken = aliceToken;
  result.audit = {};
  for (const [width, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    const ctx = await person(options);
    await ctx.addInitScript((t) => {
      if (location.protocol === 'http:') {
        localStorage.setItem('reel.session', JSON.stringify({ token: t, username: 'alice' }));
      }
    }, aliceToken);
    const p = await ctx.newPage();
    const pages = [
      ['home', '/', '#latest .card'],
      ['watch', `/watch/${result.upload.videoId}`, '#retention svg'],
      ['upload', '/upload', '#upload'],
      ['channel', '/channel/alice', '#videos .card'],
      ['search', '/search?q=ball', '.results .card'],
      ['login', '/login', '#register'],
    ];
    for (const [name, url, ready] of pages) {
      await p.goto(`${base}${url}`);
      await p.locator(ready).first().waitFor();
      if (name === 'watch') {
        await p.waitForFunction(() => window.reelPlayer.attached);
        await p.locator('.comments li').first().waitFor();
      }
      await p.waitForLoadState('networkidle');
      await p.evaluate(() => document.fonts.ready);
      await shot(p, `${name}-${width}`);
      result.audit[`${name}-${width}`] = await audit(p);
    }
    // Keyboard: the first Tab reaches the skip link, Enter moves to the content.
    await p.goto(`${base}/`);
    await p.locator('#bell').click();
    await p.locator('#notifications li').first().waitFor();
    await p.screenshot({ path: path.join(artifacts, `notifications-${width}.png`) });
    await p.goto(`${base}/`);
    await p.keyboard.press('Tab');
    const skip = await p.evaluate(() => document.activeElement.textContent);
    await p.keyboard.press('Enter');
    result.audit[`keyboard-${width}`] = { skip, after: await p.evaluate(() => document.activeElement.id) };
    await ctx.close();
  }
  result.ok = true;
} catch (e) {
  result.error = `${result.step}: ${e && e.stack ? e.stack : e}`;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
