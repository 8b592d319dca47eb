// Passwords: change it (logged in), ask for a reset link, and set a new
// password with the code the link carries (/reset#CODE; the fragment never
// reaches a server log).
import { api, clearSession, say, session } from './app.js';

function busy(form, on) {
  for (const b of form.querySelectorAll('button')) b.disabled = on;
  form.setAttribute('aria-busy', String(on));
}

function tooShort(form, input, status) {
  if (input.value.length >= 8) return false;
  say(status, 'The password must have at least 8 characters.', 'error');
  input.setAttribute('aria-invalid', 'true');
  input.focus();
  return true;
}

const change = document.getElementById('change');
if (session()) change.hidden = false;
change.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('change-status');
  if (tooShort(change, change.fresh, status)) return;
  busy(change, true);
  try {
    await api('/api/v1/users/me/password', {
      method: 'PUT', body: { current_password: change.current.value, new_password: change.fresh.value },
    });
    say(status, 'Your password is changed. Other devices are logged out.', 'ok');
    change.reset();
  } catch (err) {
    say(status, err.message, 'error');
  }
  busy(change, false);
});

const erase = document.getElementById('erase');
if (session()) erase.hidden = false;
erase.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('erase-status');
  if (!erase.password.value) {
    say(status, 'Enter your password to delete your account.', 'error');
    erase.password.focus();
    return;
  }
  if (!window.confirm('Delete your account and everything in it? This cannot be undone.')) return;
  busy(erase, true);
  try {
    await api('/api/v1/users/me', { method: 'DELETE', body: { password: erase.password.value } });
    clearSession();
    say(status, 'Your account is deleted.', 'ok');
    erase.reset();
    change.hidden = true;
    erase.hidden = true;
  } catch (err) {
    say(status, err.message, 'error');
    busy(erase, false);
  }
});

const ask = document.getElementById('ask');
ask.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('ask-status');
  const who = ask.who.value.trim();
  if (!who) {
    say(status, 'Enter your username or email address.', 'error');
    ask.who.focus();
    return;
  }
  busy(ask, true);
  try {
    const body = who.includes('@') ? { email: who } : { username: who.toLowerCase() };
    const r = await api('/api/v1/password-resets', { method: 'POST', body, auth: false });
    say(status, `Done: ${r.message}.`, 'ok');
  } catch (err) {
    say(status, err.message, 'error');
  }
  busy(ask, false);
});

const confirm = document.getElementById('confirm');
const code = decodeURIComponent(location.hash.slice(1));
if (code) {
  confirm.code.value = code;
  history.replaceState(null, '', location.pathname);
  confirm.fresh.focus();
}
confirm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('confirm-status');
  if (!confirm.code.value.trim()) {
    say(status, 'Enter the code from the email.', 'error');
    confirm.code.focus();
    return;
  }
  if (tooShort(confirm, confirm.fresh, status)) return;
  busy(confirm, true);
  try {
    await api('/api/v1/password-resets/confirm', {
      method: 'POST', auth: false,
      body: { token: confirm.code.value.trim(), new_password: confirm.fresh.value },
    });
    // Every session of the account ended, this browser's too.
    clearSession();
    say(status, 'Your password is set. Log in with it now.', 'ok');
    location.assign('/login');
  } catch (err) {
    say(status, err.message, 'error');
  }
  busy(confirm, false);
});
