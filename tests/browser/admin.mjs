// Works the moderation page (/admin) in Debian's Chromium (headless, via
// playwright-core) as a moderator, an admin and a plain user, against a
// reeld started by test_browser.c (which made the accounts and a report),
// and reports what it saw as one JSON line:
//
//   moderator  deletes a reported comment from the queue (which resolves
//              its report), blocks the video of a second report with a reason (which
//              resolves that report), sees the open report, resolves it
//              with a note, bans the uploader with a reason; sees no
//              invites or audit log
//   viewer     (anonymous) opens the blocked video's watch page and sees
//              the reason instead of the player
//   admin      sees the ban in the audit log, makes an invite code
//   user       is told the page is for moderators
//
//   node admin.mjs BASE_URL MOD_TOKEN ADMIN_TOKEN USER_TOKEN REPORT_ID BLOCK_REPORT_ID VIDEO_ID TIMEOUT_S COMMENT_REPORT_ID WORK_FILE
import { chromium } from 'playwright-core';

const [base, modToken, adminToken, userToken, reportId, blockReportId, videoId, timeoutArg, commentReportId, workFile] = process.argv.slice(2);
const T = Number(timeoutArg || 60) * 1000;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false, step: 'start', consoleErrors: [] };

async function as(username, token) {
  const page = await browser.newPage();
  page.setDefaultTimeout(T);
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(`${username}: ${m.text()}`); });
  page.on('pageerror', (e) => result.consoleErrors.push(`${username}: ${e}`));
  await page.goto(`${base}/`);
  await page.evaluate(([t, u]) => localStorage.setItem('reel.session', JSON.stringify({ token: t, username: u })),
                      [token, username]);
  await page.goto(`${base}/admin`);
  return page;
}

try {
  result.step = 'moderator';
  const mod = await as('mod', modToken);
  await mod.waitForFunction(() => window.reelAdmin && window.reelAdmin.ready);
  const reported = mod.locator(`li.report[data-id="${commentReportId}"]`);
  result.commentReportText = await reported.textContent();
  await reported.getByRole('button', { name: 'Delete comment' }).click();
  await mod.waitForFunction((id) => !document.querySelector(`li.report[data-id="${id}"]`), commentReportId);
  result.commentStatus = await mod.locator('#reports-status').textContent();
  const toBlock = mod.locator(`li.report[data-id="${blockReportId}"]`);
  await toBlock.getByLabel(`Block reason for video ${videoId}`).fill('counterfeit goods');
  await toBlock.getByRole('button', { name: 'Block video' }).click();
  await mod.waitForFunction((v) => document.getElementById('reports-status').textContent === `Video ${v} is blocked.`,
                            videoId);
  result.blockReportGone = await mod.locator(`li.report[data-id="${blockReportId}"]`).count() === 0;

  // (Before the ban below, which hides all of the uploader's videos: 404.)
  result.step = 'viewer';
  const viewer = await browser.newPage();
  viewer.setDefaultTimeout(T);
  viewer.on('pageerror', (e) => result.consoleErrors.push(`viewer: ${e}`));
  await viewer.goto(`${base}/watch/${videoId}`);
  await viewer.waitForFunction(() => document.getElementById('title').textContent === 'Video unavailable');
  result.viewerStatus = await viewer.locator('#status').textContent();
  result.viewerSeesPlayer = await viewer.locator('#video').isVisible();

  result.step = 'moderator';
  const report = mod.locator(`li.report[data-id="${reportId}"]`);
  result.reportShown = await report.count() === 1;
  result.reportText = await report.textContent();
  await report.getByLabel('Note on the report of pat').fill('an ad; uploader banned');
  await report.getByRole('button', { name: 'Resolve' }).click();
  await mod.waitForFunction(() => document.getElementById('reports-status').textContent === 'No open reports.');
  await mod.getByLabel('Username').first().fill('quinn');
  await mod.getByLabel('Reason').fill('spam links');
  await mod.getByRole('button', { name: 'Ban', exact: true }).click();
  await mod.waitForFunction(() => document.getElementById('ban-status').textContent === 'quinn is banned.');
  result.modSeesInvites = await mod.locator('#invites').isVisible();
  result.modSeesAudit = await mod.locator('#audit').isVisible();
  result.modSeesWorks = await mod.locator('#works').isVisible();

  result.step = 'admin';
  const admin = await as('root', adminToken);
  await admin.waitForFunction(() => window.reelAdmin && window.reelAdmin.ready);
  result.audit = await admin.locator('#audit-list').textContent();
  await admin.getByRole('button', { name: 'Make an invite code' }).click();
  result.inviteCode = await admin.locator('#invite-code').textContent();
  // The works library: register a reference clip through the form, see it
  // listed, delete it.
  result.step = 'works';
  result.worksEmpty = await admin.locator('#works-list').textContent();
  await admin.setInputFiles('#work-file', workFile);
  await admin.fill('#work-title', 'Sunrise Theme');
  await admin.fill('#work-holder', 'Example Records');
  await admin.getByRole('button', { name: 'Register work' }).click();
  await admin.locator('#works-list li.work', { hasText: 'Sunrise Theme' }).waitFor();
  result.worksListed = await admin.locator('#works-list').textContent();
  await admin.locator('#works-list li.work', { hasText: 'Sunrise Theme' })
    .getByRole('button', { name: 'Delete' }).click();
  await admin.locator('#works-list li.work').waitFor({ state: 'detached' });
  result.worksAfterDelete = await admin.locator('#works-list').textContent();

  result.step = 'user';
  const user = await as('pat', userToken);
  await user.waitForSelector('#denied:not([hidden])');
  result.denied = await user.locator('#denied').textContent();
  result.userSeesReports = await user.locator('#reports').isVisible();
  result.ok = true;
} catch (e) {
  result.error = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
