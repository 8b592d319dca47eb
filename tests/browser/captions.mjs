// Captions in Debian's Chromium (headless, via playwright-core): on the
// watch page of a video with English and French tracks, the captions menu
// lists them; with English on, the player plays, and the cue "Hello
// captions" (1 s to 3.5 s) is active only inside its time. Then the owner
// (TOKEN as USERNAME) uploads a malformed file through the form and reads
// what the page says. One JSON line.
//
//   node captions.mjs WATCH_URL TOKEN USERNAME BAD_FILE TIMEOUT_S
import { chromium } from 'playwright-core';

const [url, token, username, badFile, timeoutArg] = process.argv.slice(2);
const T = Number(timeoutArg || 60) * 1000;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--autoplay-policy=no-user-gesture-required'],
});
const result = { ok: false, step: 'start', consoleErrors: [], samples: [] };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(T);
  page.on('pageerror', (e) => result.consoleErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });

  result.step = 'menu';
  await page.goto(url);
  await page.waitForSelector('#captions-menu:not([hidden])');
  result.menu = await page.locator('#captions-menu option').evaluateAll((os) => os.map((o) => o.value));
  await page.getByLabel('Captions').selectOption('en');

  result.step = 'track';
  // hls.js loads the English track and gives the video a showing text track.
  await page.waitForFunction(() => [...document.getElementById('video').textTracks]
    .some((t) => t.language === 'en' && t.mode === 'showing' && t.cues && t.cues.length > 0));
  result.step = 'play';
  await page.evaluate(() => { const v = document.getElementById('video'); v.muted = true; return v.play(); });
  // Samples (time, active cue text) while it plays through 0.2 s → 4 s.
  const deadline = Date.now() + T;
  while (Date.now() < deadline) {
    const s = await page.evaluate(() => {
      const v = document.getElementById('video');
      const t = [...v.textTracks].find((x) => x.language === 'en' && x.mode === 'showing');
      const cues = t && t.activeCues ? [...t.activeCues].map((c) => c.text) : [];
      return { time: v.currentTime, cues };
    });
    result.samples.push(s);
    if (s.time > 4.2) break;
    await page.waitForTimeout(100);
  }

  result.step = 'owner';
  await page.evaluate(([t, u]) => localStorage.setItem('reel.session', JSON.stringify({ token: t, username: u })),
    [token, username]);
  await page.reload();
  await page.waitForSelector('#captions-form');
  await page.getByLabel('Language (en, fr, pt-BR…)').fill('de');
  await page.setInputFiles('#captions-file', badFile);
  await page.getByRole('button', { name: 'Upload captions' }).click();
  await page.waitForFunction(() => document.getElementById('captions-status').classList.contains('error'));
  result.refusal = await page.locator('#captions-status').textContent();
  result.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
