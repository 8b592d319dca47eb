// The moderation page (/admin): the open reports (resolve, block the
// reported video, delete the reported comment), bans, and for
// admins roles, invites, the protected works and the audit log. What the caller may do comes
// from GET /api/v1/users/me; the server checks every action again.
import { api, h, loginHref, say, session, timeElement } from './app.js';
import { mountWorks } from './works.js';

const RANK = { user: 0, moderator: 1, admin: 2 };
const denied = document.getElementById('denied');

function target(r) {
  if (r.video_id) return h('a', { href: `/watch/${encodeURIComponent(r.video_id)}` }, `video ${r.video_id}`);
  return `comment ${r.comment_id}`;
}

async function loadReports() {
  const list = document.getElementById('reports-list');
  const status = document.getElementById('reports-status');
  try {
    const page = await api('/api/v1/admin/reports?limit=100');
    list.replaceChildren(...page.items.map((r) => {
      const note = h('input', { type: 'text', maxlength: 1000, 'aria-label': `Note on the report of ${r.reporter}` });
      const resolve = h('button', {
        type: 'button',
        onclick: async () => {
          resolve.disabled = true;
          try {
            const body = note.value.trim() ? { note: note.value.trim() } : {};
            await api(`/api/v1/admin/reports/${encodeURIComponent(r.id)}/resolve`, { method: 'POST', body });
            await loadReports();
            await loadAudit();
          } catch (err) {
            say(status, err.message, 'error');
            resolve.disabled = false;
          }
        },
      }, 'Resolve');
      // A reported video can be blocked from here: the reason goes to the
      // owner and to viewers, and the report is resolved with it.
      let blocking = null;
      if (r.video_id) {
        const reason = h('input', { type: 'text', maxlength: 500, 'aria-label': `Block reason for video ${r.video_id}` });
        const block = h('button', {
          type: 'button',
          onclick: async () => {
            const why = reason.value.trim();
            if (!why) {
              say(status, 'A block needs a reason: the owner and viewers are told it.', 'error');
              reason.focus();
              return;
            }
            block.disabled = true;
            try {
              await api(`/api/v1/admin/videos/${encodeURIComponent(r.video_id)}/block`,
                        { method: 'POST', body: { reason: why } });
              await api(`/api/v1/admin/reports/${encodeURIComponent(r.id)}/resolve`,
                        { method: 'POST', body: { note: `blocked: ${why}` } });
              await loadReports();
              say(status, `Video ${r.video_id} is blocked.`, 'ok');
              await loadAudit();
            } catch (err) {
              say(status, err.message, 'error');
              block.disabled = false;
            }
          },
        }, 'Block video');
        blocking = h('p', { class: 'actions' }, reason, block);
      }
      // A reported comment is shown as it is now, and can be deleted from
      // here (the report is resolved with it).
      let comment = null;
      if (r.comment) {
        const del = h('button', {
          type: 'button',
          onclick: async () => {
            del.disabled = true;
            try {
              await api(`/api/v1/videos/${encodeURIComponent(r.comment.video_id)}/comments/${encodeURIComponent(r.comment_id)}`,
                        { method: 'DELETE' });
              await api(`/api/v1/admin/reports/${encodeURIComponent(r.id)}/resolve`,
                        { method: 'POST', body: { note: 'comment deleted' } });
              await loadReports();
              say(status, `The comment of ${r.comment.author} is deleted.`, 'ok');
              await loadAudit();
            } catch (err) {
              say(status, err.message, 'error');
              del.disabled = false;
            }
          },
        }, 'Delete comment');
        comment = h('div', { class: 'reported-comment' },
          h('p', {}, h('a', { href: `/watch/${encodeURIComponent(r.comment.video_id)}` }, r.comment.author),
            ' wrote: ', h('q', {}, r.comment.text)),
          h('p', { class: 'actions' }, del));
      }
      return h('li', { class: 'report', 'data-id': r.id },
        h('p', {}, h('strong', {}, r.reason), ' · ', target(r), ' · reported by ', r.reporter, ' ',
          timeElement(r.created_at)),
        r.text ? h('p', { class: 'report-text' }, r.text) : null,
        comment,
        h('p', { class: 'actions' }, note, resolve),
        blocking);
    }));
    say(status, page.items.length ? '' : 'No open reports.');
  } catch (err) {
    say(status, err.message, 'error');
  }
}

async function loadAudit() {
  if (document.getElementById('audit').hidden) return;
  const list = document.getElementById('audit-list');
  const page = await api('/api/v1/admin/audit?limit=50');
  list.replaceChildren(...page.items.map((e) => h('li', { class: 'audit' },
    h('code', {}, e.type), ' by ', e.actor || 'the system', ' ', timeElement(e.at), ' ',
    h('span', { class: 'hint' }, JSON.stringify(e.data)))));
}

const ban = document.getElementById('ban');
async function setBan(banned) {
  const status = document.getElementById('ban-status');
  const user = ban.user.value.trim().toLowerCase();
  const reason = ban.reason.value.trim();
  if (!user) {
    say(status, 'Enter a username.', 'error');
    ban.user.focus();
    return;
  }
  if (banned && !reason) {
    say(status, 'A ban needs a reason: the user is told it.', 'error');
    ban.reason.focus();
    return;
  }
  try {
    await api(`/api/v1/admin/users/${encodeURIComponent(user)}/${banned ? 'ban' : 'unban'}`,
              { method: 'POST', body: banned ? { reason } : {} });
    say(status, banned ? `${user} is banned.` : `${user} is no longer banned.`, 'ok');
    await loadAudit();
  } catch (err) {
    say(status, err.message, 'error');
  }
}
ban.addEventListener('submit', (e) => { e.preventDefault(); setBan(true); });
document.getElementById('unban').addEventListener('click', () => setBan(false));

const role = document.getElementById('role');
role.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('role-status');
  const user = role.user.value.trim().toLowerCase();
  try {
    const r = await api(`/api/v1/users/${encodeURIComponent(user)}/role`,
                        { method: 'PUT', body: { role: role.role.value } });
    say(status, `${r.username} is now ${r.role === 'admin' ? 'an' : 'a'} ${r.role}.`, 'ok');
    await loadAudit();
  } catch (err) {
    say(status, err.message, 'error');
  }
});

document.getElementById('invite').addEventListener('click', async () => {
  const status = document.getElementById('invite-status');
  try {
    const r = await api('/api/v1/admin/invites', { method: 'POST' });
    status.replaceChildren('Code (shown once): ', h('code', { id: 'invite-code' }, r.code));
    await loadAudit();
  } catch (err) {
    say(status, err.message, 'error');
  }
});

async function start() {
  if (!session()) {
    denied.replaceChildren('This page is for moderators. ', h('a', { href: loginHref() }, 'Log in'), '.');
    denied.hidden = false;
    return;
  }
  const me = await api('/api/v1/users/me');
  if (RANK[me.role] < RANK.moderator) {
    denied.textContent = 'This page is for moderators and admins.';
    denied.hidden = false;
    return;
  }
  for (const id of ['reports', 'users']) document.getElementById(id).hidden = false;
  if (me.role === 'admin') {
    for (const el of document.querySelectorAll('[data-admin]')) el.hidden = false;
  }
  await loadReports();
  await loadAudit();
  if (me.role === 'admin') await mountWorks(document.getElementById('works'));
  window.reelAdmin = { ready: true };
}

start().catch((err) => {
  denied.textContent = err.message;
  denied.hidden = false;
});
