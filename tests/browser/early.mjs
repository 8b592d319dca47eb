// Watches a video from its first chunk on, in each page given (the watch
// page, the embed player), all open at once while the video is playable
// with its last chunk held (the file HOLD exists); then, with the hold
// removed, until the video is ready. Reports as one JSON line, per page,
// the rungs hls.js offered before and after, where the player was when the
// page loaded the master playlist again and where it went on, and the
// viewer actions the watch page queued before and after. Used by
// test_browser.c (/browser/early), which starts reeld with the hold and
// uploads the video.
//
//   node early.mjs HOLD PAST_SECONDS TIMEOUT_SECONDS URL...
import { chromium } from 'playwright-core';
import { unlinkSync } from 'node:fs';

const [hold, pastArg, timeoutArg, ...urls] = process.argv.slice(2);
const past = Number(pastArg);
const timeoutMs = Number(timeoutArg) * 1000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false, pages: [] };
try {
  const pages = [];
  for (const url of urls) {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`); });
    await page.goto(url);
    await page.waitForFunction(() => window.reelPlayer && window.reelPlayer.hls
                               && window.reelPlayer.hls.levels.length > 0, null, { timeout: timeoutMs });
    const levels = () => page.evaluate(() => window.reelPlayer.hls.levels.map((l) => l.height)
      .sort((a, b) => b - a));
    const r = { url, consoleErrors, levelsBefore: await levels(), statusBefore: await page.locator('#status').textContent() };
    // Play (muted, for the autoplay policy) into the first chunk.
    await page.evaluate(() => { const v = document.getElementById('video'); v.muted = true; v.play(); });
    await page.waitForFunction(() => document.getElementById('video').currentTime > 0.5,
                               null, { timeout: timeoutMs, polling: 50 });
    // Where the player plays on from after the page loaded the master
    // playlist again (the page notes where it was then).
    await page.evaluate(() => {
      const v = document.getElementById('video');
      const p = window.reelPlayer;
      v.addEventListener('timeupdate', () => {
        if (p.reloads > 0 && p.resumedAt === undefined && !v.paused && v.currentTime > 0) {
          p.resumedAt = v.currentTime;
        }
      });
    });
    r.actionsBefore = await page.evaluate(() => (window.reelActions ? window.reelActions.sent.slice() : null));
    pages.push({ page, levels, r });
  }
  unlinkSync(hold);
  for (const { page, levels, r } of pages) {
    await page.waitForFunction(() => window.reelPlayer.reloads === 1 && window.reelPlayer.resumedAt !== undefined,
                               null, { timeout: timeoutMs, polling: 100 });
    await page.waitForFunction((t) => document.getElementById('video').currentTime > t,
                               past, { timeout: timeoutMs, polling: 100 });
    r.levelsAfter = await levels();
    Object.assign(r, await page.evaluate(() => {
      const v = document.getElementById('video');
      return {
        reloads: window.reelPlayer.reloads,
        reloadedAt: window.reelPlayer.reloadedAt,
        resumedAt: window.reelPlayer.resumedAt,
        currentTime: v.currentTime,
        paused: v.paused,
        mediaError: v.error ? v.error.code : null,
        playerErrors: window.reelPlayer.errors,
        actionsAfter: window.reelActions ? window.reelActions.sent.slice() : null,
      };
    }));
    result.pages.push(r);
  }
  result.ok = true;
  for (const r of result.pages) r.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
