// The email verification page (/verify#CODE, auth.verify_email): the code
// from the link confirms the address, after which the account logs in; a
// new link can be asked for by username. The code is taken out of the
// address bar at once.
import { api, say } from './app.js';

window.reelVerify = { done: false };

function busy(form, on) {
  for (const el of form.elements) el.disabled = on;
}

const confirm = document.getElementById('confirm');
async function send() {
  const status = document.getElementById('confirm-status');
  const code = confirm.code.value.trim();
  if (!code) {
    say(status, 'Enter the code from the email.', 'error');
    confirm.code.focus();
    return;
  }
  busy(confirm, true);
  try {
    await api('/api/v1/email-verifications/confirm', { method: 'POST', auth: false, body: { token: code } });
    say(status, 'Your email address is verified. You can log in now.', 'ok');
    status.append(' ', Object.assign(document.createElement('a'), { href: '/login', textContent: 'Log in' }));
    window.reelVerify.done = true;
  } catch (err) {
    say(status, err.message, 'error');
    busy(confirm, false);
  }
}
confirm.addEventListener('submit', (e) => { e.preventDefault(); send(); });

const ask = document.getElementById('ask');
ask.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('ask-status');
  const user = ask.user.value.trim().toLowerCase();
  if (!user) {
    say(status, 'Enter your username.', 'error');
    ask.user.focus();
    return;
  }
  busy(ask, true);
  try {
    const r = await api('/api/v1/email-verifications', { method: 'POST', auth: false, body: { username: user } });
    say(status, `Done: ${r.message}.`, 'ok');
  } catch (err) {
    say(status, err.message, 'error');
  }
  busy(ask, false);
});

const code = decodeURIComponent(location.hash.slice(1));
if (code) {
  confirm.code.value = code;
  history.replaceState(null, '', location.pathname);
  send();
}
