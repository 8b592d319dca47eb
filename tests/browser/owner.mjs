// What an owner does around an upload in Debian's Chromium (headless, via
// playwright-core), logged in with TOKEN as USERNAME: reads the storage
// line of the upload page; on VIDEO_ID's watch page reads the share panel
// (embed code, feed links), allows downloads and fetches the first
// download link the panel then offers; then makes the video private and
// reads what the page says after it loads again. One JSON line.
//
//   node owner.mjs BASE_URL TOKEN USERNAME VIDEO_ID TIMEOUT_S
import { chromium } from 'playwright-core';

const [base, token, username, videoId, timeoutArg] = process.argv.slice(2);
const T = Number(timeoutArg || 60) * 1000;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false, step: 'start', consoleErrors: [] };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(T);
  page.on('pageerror', (e) => result.consoleErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) result.consoleErrors.push(`${r.status()} ${r.url()}`); });
  await page.goto(`${base}/`);
  await page.evaluate(([t, u]) => localStorage.setItem('reel.session', JSON.stringify({ token: t, username: u })),
                      [token, username]);

  result.step = 'upload page';
  await page.goto(`${base}/upload`);
  await page.waitForSelector('#quota:not([hidden])');
  result.quota = await page.locator('#quota').textContent();

  result.step = 'watch page';
  await page.goto(`${base}/watch/${videoId}`);
  await page.waitForSelector('#owner-tools:not([hidden])');
  result.privacyBefore = await page.locator('#privacy-edit').inputValue();
  // The checks before publishing, as the owner sees them.
  await page.waitForSelector('#checks:not([hidden]) #check-list');
  result.checks = await page.locator('#check-list').textContent();

  result.step = 'share panel';
  await page.waitForSelector('#share:not([hidden]) #embed-code');
  result.embedCode = await page.locator('#embed-code').inputValue();
  result.feedRss = await page.locator('#feed-rss').getAttribute('href');
  result.downloadsBefore = await page.locator('#download-list a').count();
  await page.getByLabel('Allow viewers to download this video').check();
  await page.waitForSelector('#download-list a');
  result.downloadStatus = await page.locator('#downloadable-status').textContent();
  result.downloadLinks = await page.locator('#download-list a').allTextContents();
  {
    // The link as a viewer follows it: no credentials.
    const href = await page.locator('#download-list a').first().getAttribute('href');
    const r = await page.request.get(new URL(href, base).href);
    const body = await r.body();
    result.download = { href, status: r.status(), type: r.headers()['content-type'],
      disposition: r.headers()['content-disposition'] || '',
      ftyp: body.subarray(4, 8).toString('latin1'), bytes: body.length };
  }
  await Promise.all([
    page.waitForEvent('load'),
    page.getByLabel('Privacy').selectOption('private'),
  ]);
  await page.waitForFunction(() => document.getElementById('privacy-status').textContent !== '');
  result.privacyStatus = await page.locator('#privacy-status').textContent();
  result.privacyAfter = await page.locator('#privacy-edit').inputValue();
  result.badge = await page.locator('.privacy-badge').textContent();
  result.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
