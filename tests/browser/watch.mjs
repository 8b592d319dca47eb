// Plays a reel watch page in Debian's Chromium (headless, via
// playwright-core) until the video is past a given time, and reports what
// happened as one JSON line. Used by test_browser.c, which starts reeld and
// uploads the video.
//
//   node watch.mjs URL PAST_SECONDS TIMEOUT_SECONDS [TOKEN USERNAME [resume]]
//
// With TOKEN and USERNAME the page is opened logged in as that user (the
// session the web UI keeps in localStorage); with resume, the page must
// offer to resume, and the offer is taken before playing.
import { chromium } from 'playwright-core';

const [url, pastArg, timeoutArg, token, username, resume] = process.argv.slice(2);
const past = Number(pastArg);
const timeoutMs = Number(timeoutArg) * 1000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false };
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`); });
  const playlists = [];
  page.on('request', (r) => { if (r.url().includes('.m3u8')) playlists.push(new URL(r.url()).pathname); });
  if (token) {
    await page.goto(new URL('/', url).href);
    await page.evaluate(([t, u]) => localStorage.setItem('reel.session', JSON.stringify({ token: t, username: u })),
                        [token, username]);
  }
  await page.goto(url);
  // Wait for the player to attach, then play muted (autoplay policy).
  await page.waitForFunction(() => window.reelPlayer && window.reelPlayer.attached,
                             null, { timeout: timeoutMs });
  if (resume === 'resume') {
    await page.waitForSelector('#resume:not([hidden])', { timeout: timeoutMs });
    result.resumeText = await page.locator('#resume').textContent();
    await page.evaluate(() => { document.getElementById('video').muted = true; });
    await page.locator('#resume').click();
    await page.waitForFunction(() => document.getElementById('video').currentTime > 1,
                               null, { timeout: timeoutMs, polling: 100 });
    result.resumedAt = await page.evaluate(() => document.getElementById('video').currentTime);
  }
  await page.evaluate(() => { const v = document.getElementById('video'); v.muted = true; v.play(); });
  await page.waitForFunction((t) => document.getElementById('video').currentTime > t,
                             past, { timeout: timeoutMs, polling: 100 });
  Object.assign(result, await page.evaluate(() => {
    const v = document.getElementById('video');
    return {
      currentTime: v.currentTime,
      duration: v.duration,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      mediaError: v.error ? v.error.code : null,
      playerErrors: window.reelPlayer.errors,
      usedHlsJs: !!window.reelPlayer.hls,
      title: document.getElementById('title').textContent,
    };
  }));
  // Chapters, when the description has them: the list, the current one
  // while playing, and a click on the last one seeks there.
  result.chapters = await page.locator('#chapter-list button').allTextContents();
  result.chapterMarks = await page.locator('#chapter-marks .chapter-mark').count();
  result.chapterNow = await page.locator('#chapter-now').textContent();
  if (result.chapters.length) {
    const last = page.locator('#chapter-list button').last();
    // The seek is sent at once (actions.js); wait for it to arrive.
    const sent = page.waitForResponse((r) => r.url().includes('/api/v1/events'), { timeout: timeoutMs });
    await last.click();
    await sent;
    await page.waitForFunction(() => document.querySelector('#chapter-list button[aria-current="true"]')
      === [...document.querySelectorAll('#chapter-list button')].pop(), null, { timeout: timeoutMs });
    result.chapterAfterClick = await page.locator('#chapter-now').textContent();
    result.timeAfterClick = await page.evaluate(() => document.getElementById('video').currentTime);
  }
  result.consoleErrors = consoleErrors;
  result.playlists = playlists;
  result.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
