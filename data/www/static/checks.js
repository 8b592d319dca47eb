// The checks before publishing (issue 16), shown to the video's owner on
// the watch page: each check's state and why, and for a video a check
// blocked, a form to dispute it (POST /api/v1/videos/{id}/dispute: held
// for a moderator, who decides).
import { api, h, say } from './app.js';

const STATES = {
  pending: 'running',
  passed: 'passed',
  held: 'held for a moderator',
  blocked: 'blocked',
  skipped: 'skipped',
};

// The checks as last drawn, so a poll of the record does not wipe a
// dispute being typed.
let drawn = '';

function disputeForm(id, onSent) {
  const text = h('textarea', { id: 'dispute-text', maxlength: '1000', rows: '3', required: true });
  const button = h('button', { type: 'submit' }, 'Send to a moderator');
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { id: 'dispute', class: 'dispute' },
    h('label', { for: 'dispute-text' }, 'Think the block is wrong? Say why, and a moderator decides.'),
    text, button, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      await api(`/api/v1/videos/${encodeURIComponent(id)}/dispute`, { method: 'POST', body: { text: text.value } });
      say(status, 'Sent: the video is held until a moderator decides; you will be notified.', 'ok');
      onSent();
    } catch (err) {
      say(status, err.message, 'error');
      button.disabled = false;
    }
  });
  return form;
}

export function showChecks(section, meta, me) {
  const checks = meta.checks || [];
  if (!me || me.username !== meta.owner || checks.length === 0) {
    section.hidden = true;
    return;
  }
  const now = JSON.stringify(checks);
  if (now === drawn) return;
  drawn = now;
  section.hidden = false;
  const items = checks.map((c) => h('li', { class: `check check-${c.state}`, 'data-check': c.name },
    h('strong', {}, c.name), ': ', h('span', { class: 'check-state' }, STATES[c.state] || c.state),
    c.detail ? h('span', { class: 'hint' }, ` (${c.detail})`) : null));
  section.replaceChildren(
    h('h2', { id: 'checks-h' }, 'Checks before publishing'),
    h('ul', { id: 'check-list', class: 'check-list' }, items),
    checks.some((c) => c.state === 'blocked')
      ? disputeForm(meta.id, async () => {
        // The answer came once the dispute was applied: the record says held.
        showChecks(section, await api(`/api/v1/videos/${encodeURIComponent(meta.id)}`), me);
      })
      : null);
}
