// Opens a page of another site (another origin: the test serves it from
// its own port) that frames a reel embed player, in Debian's Chromium
// (headless, via playwright-core), and reports as one JSON line what the
// frame did.
//
//   node embed.mjs PAGE_URL play|refuse TIMEOUT_SECONDS
//
// play: the framed video must play (muted, for the autoplay policy) past
// 2 s; then it is paused, and the player's viewer actions (actions.js)
// must have been posted. refuse: the frame must say the video is unavailable; then it waits
// a few seconds more and reports whether anything played anyway.
import { chromium } from 'playwright-core';

const [url, mode, timeoutArg] = process.argv.slice(2);
const T = Number(timeoutArg) * 1000;
const PAST_S = 2;
// How long a refused embed is watched for playback that should not come.
const REFUSED_WATCH_MS = 3000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false, consoleErrors: [] };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(T);
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => result.consoleErrors.push(String(e)));
  await page.goto(url);
  result.pageOrigin = new URL(page.url()).origin;
  const handle = await page.waitForSelector('iframe#embed');
  const frame = await handle.contentFrame();
  result.frameOrigin = new URL(frame.url()).origin;
  await frame.waitForFunction(() => window.reelPlayer
                              && (window.reelPlayer.attached || window.reelPlayer.unavailable));
  if (mode === 'play') {
    await frame.evaluate(() => { const v = document.getElementById('video'); v.muted = true; v.play(); });
    await frame.waitForFunction((t) => document.getElementById('video').currentTime > t, PAST_S,
                                { polling: 100 });
    // A pause sends what is queued at once.
    await frame.evaluate(() => document.getElementById('video').pause());
    await frame.waitForFunction(() => window.reelActions.batches > 0 && window.reelActions.posted.includes('pause'),
                                null, { polling: 100 });
  } else {
    await page.waitForTimeout(REFUSED_WATCH_MS);
  }
  Object.assign(result, await frame.evaluate(() => {
    const v = document.getElementById('video');
    return {
      attached: window.reelPlayer.attached,
      unavailable: window.reelPlayer.unavailable,
      currentTime: v.currentTime,
      videoHeight: v.videoHeight,
      mediaError: v.error ? v.error.code : null,
      playerErrors: window.reelPlayer.errors,
      status: document.getElementById('status').textContent,
      statusShown: !document.getElementById('status').hidden,
      watchLink: document.getElementById('watch-link').textContent,
      actionsPosted: window.reelActions ? window.reelActions.posted : null,
    };
  }));
  // A watch page framed the same way must stay empty (frame-ancestors
  // 'none'): Chromium leaves it without the page's document.
  const watch = await page.$('iframe#watch');
  if (watch) {
    const wf = await watch.contentFrame();
    result.watchFramed = await wf.evaluate(() => !!document.getElementById('video')).catch(() => false);
  }
  result.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
