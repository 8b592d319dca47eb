// Plays a playlist through in Debian's Chromium (headless, via
// playwright-core) and reports what happened as one JSON line. Used by
// test_playlist.c, which starts reeld, uploads two short videos and makes
// the playlist.
//
//   node playlist.mjs BASE_URL PLAYLIST_ID TOKEN USERNAME TIMEOUT_SECONDS
//
// Logged in as USERNAME: opens /playlist/ID, reads its videos, clicks Play
// all; on the first video's watch page likes it and saves it to Watch
// later, then lets it play to its end (a seek to just before the end keeps
// the test short) and waits for the next video's watch page, where the
// video must start by itself.
import { chromium } from 'playwright-core';

const [base, listId, token, username, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg) * 1000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`); });
  await page.goto(new URL('/', base).href);
  await page.evaluate(([t, u]) => localStorage.setItem('reel.session', JSON.stringify({ token: t, username: u })),
                      [token, username]);

  await page.goto(new URL(`/playlist/${listId}`, base).href);
  await page.waitForSelector('#items li');
  result.pageTitle = await page.locator('#title').textContent();
  result.items = await page.locator('#items li').evaluateAll((lis) => lis.map((li) => li.dataset.id));
  await page.locator('#play-all').click();

  // The first video, played from the list.
  await page.waitForURL(/\/watch\//);
  result.firstUrl = page.url();
  await page.waitForFunction(() => window.reelPlayer && window.reelPlayer.attached && window.reelPlayer.queue);
  result.firstQueue = await page.evaluate(() => window.reelPlayer.queue);
  result.queueItems = await page.locator('#queue li').count();
  await page.locator('#like').click();
  await page.waitForFunction(() => document.getElementById('like').getAttribute('aria-pressed') === 'true');
  result.likesShown = await page.locator('#likes').textContent();
  await page.locator('#watch-later').click();
  await page.waitForFunction(() => document.getElementById('rate-status').textContent.includes('Watch later'));
  result.savedText = await page.locator('#rate-status').textContent();

  // Play to the end: muted (the autoplay policy), from just before it.
  await page.evaluate(() => { const v = document.getElementById('video'); v.muted = true; v.play(); });
  await page.waitForFunction(() => {
    const v = document.getElementById('video');
    return v.duration > 0 && v.currentTime > 0 && !v.paused;
  }, null, { polling: 100 });
  result.firstDuration = await page.evaluate(() => document.getElementById('video').duration);
  await page.evaluate(() => { const v = document.getElementById('video'); v.currentTime = Math.max(0, v.duration - 0.4); });
  await page.waitForURL((u) => u.href !== result.firstUrl && u.pathname.startsWith('/watch/'));
  result.secondUrl = page.url();

  // The next one starts by itself: nobody calls play() on this page.
  await page.waitForFunction(() => window.reelPlayer && window.reelPlayer.attached);
  await page.waitForFunction(() => document.getElementById('video').currentTime > 0.5, null, { polling: 100 });
  Object.assign(result, await page.evaluate(() => {
    const v = document.getElementById('video');
    return {
      secondTime: v.currentTime,
      secondPaused: v.paused,
      secondQueue: window.reelPlayer.queue,
      secondTitle: document.getElementById('title').textContent,
      mediaError: v.error ? v.error.code : null,
      playerErrors: window.reelPlayer.errors,
    };
  }));
  result.consoleErrors = consoleErrors;
  result.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
