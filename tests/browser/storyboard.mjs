// Hovers the seek area of a watch page in Debian's Chromium (headless, via
// playwright-core) and reports the seek preview as one JSON line. Used by
// test_storyboard.c, which starts reeld and uploads a video whose
// storyboard is made.
//
//   node storyboard.mjs BASE_URL VIDEO_ID FRACTION TIMEOUT_SECONDS
//
// Opens /watch/ID, waits for the player and the storyboard's cues, moves
// the pointer over the bottom of the video at FRACTION of its width and
// reads the preview element: whether it shows, its background image and
// position, and the time it says it previews.
import { chromium } from 'playwright-core';

const [base, id, fractionArg, timeoutArg] = process.argv.slice(2);
const fraction = Number(fractionArg);
const timeout = Number(timeoutArg) * 1000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(timeout);
  const consoleErrors = [];
  const sprites = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`);
    if (r.url().includes('storyboard.jpg')) sprites.push({ url: r.url(), status: r.status(),
      type: r.headers()['content-type'] });
  });
  await page.goto(new URL(`/watch/${id}`, base).href);
  await page.waitForFunction(() => window.reelPlayer && window.reelPlayer.attached
    && window.reelPlayer.storyboard && document.getElementById('video').duration > 0);
  result.duration = await page.evaluate(() => document.getElementById('video').duration);
  result.previewBefore = await page.evaluate(() => {
    const p = document.querySelector('.seek-preview');
    return p ? !p.hidden : null;
  });
  const box = await page.locator('#video').boundingBox();
  await page.mouse.move(box.x + box.width * fraction, box.y + box.height - 30);
  await page.waitForFunction(() => {
    const p = document.querySelector('.seek-preview');
    return p && !p.hidden && p.getBoundingClientRect().width > 0;
  });
  // The sprite is fetched for the background; wait until it has come.
  await page.waitForFunction(() => performance.getEntriesByType('resource')
    .some((e) => e.name.includes('storyboard.jpg')));
  Object.assign(result, await page.evaluate(() => {
    const p = document.querySelector('.seek-preview');
    const style = getComputedStyle(p);
    const r = p.getBoundingClientRect();
    return {
      visible: !p.hidden && style.display !== 'none' && r.width > 0 && r.height > 0,
      backgroundImage: style.backgroundImage,
      backgroundPosition: style.backgroundPosition,
      width: r.width,
      height: r.height,
      time: Number(p.dataset.time),
      videoBottom: document.getElementById('video').getBoundingClientRect().bottom,
      previewBottom: r.bottom,
    };
  }));
  // For a person checking by eye: REEL_TEST_SCREENSHOT=FILE keeps the page.
  if (process.env.REEL_TEST_SCREENSHOT) await page.screenshot({ path: process.env.REEL_TEST_SCREENSHOT });
  // Away from the seek area, the preview goes.
  await page.mouse.move(box.x + box.width / 2, box.y + 10);
  result.hiddenAfter = await page.evaluate(() => document.querySelector('.seek-preview').hidden);
  result.sprites = sprites;
  result.playerErrors = await page.evaluate(() => window.reelPlayer.errors);
  result.consoleErrors = consoleErrors;
  result.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
