// Log in / create an account. On success the session token goes to
// localStorage (see app.js) and the page goes on to ?next= (a path on this
// site only) or home.
import { api, say, setSession, session } from './app.js';
import { safeNext } from './next.js';

function nextPath() {
  return safeNext(new URLSearchParams(location.search).get('next') || '/', location.origin);
}

async function logIn(username, password) {
  const s = await api('/api/v1/sessions', { method: 'POST', body: { username, password }, auth: false });
  setSession(s.token, s.username);
  location.assign(nextPath());
}

function busy(form, on) {
  for (const b of form.querySelectorAll('button')) b.disabled = on;
  form.setAttribute('aria-busy', String(on));
}

const login = document.getElementById('login');
login.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('login-status');
  const username = login.username.value.trim().toLowerCase();
  const password = login.password.value;
  if (!username || !password) {
    say(status, 'Enter your username and password.', 'error');
    (username ? login.password : login.username).focus();
    return;
  }
  busy(login, true);
  say(status, 'Logging in…');
  try {
    await logIn(username, password);
  } catch (err) {
    say(status, err.status === 401 ? 'Wrong username or password.' : err.message, 'error');
    login.password.focus();
  }
  busy(login, false);
});

const register = document.getElementById('register');
register.addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = document.getElementById('register-status');
  const username = register.username.value.trim();
  const password = register.password.value;
  const displayName = register.display_name.value.trim();
  const email = register.email.value.trim();
  if (!/^[a-z0-9_-]{3,32}$/.test(username)) {
    say(status, 'The username must be 3 to 32 lower-case letters, digits, _ or -.', 'error');
    register.username.setAttribute('aria-invalid', 'true');
    register.username.focus();
    return;
  }
  register.username.removeAttribute('aria-invalid');
  if (password.length < 8) {
    say(status, 'The password must have at least 8 characters.', 'error');
    register.password.setAttribute('aria-invalid', 'true');
    register.password.focus();
    return;
  }
  register.password.removeAttribute('aria-invalid');
  busy(register, true);
  say(status, 'Creating your account…');
  try {
    const body = { username, password };
    if (displayName) body.display_name = displayName;
    if (email) body.email = email;
    const made = await api('/api/v1/users', { method: 'POST', body, auth: false });
    if (made && made.verify_email) {
      // auth.verify_email: the account logs in once the mailed link is opened.
      say(status, `Your account is made. Open the link we mailed to ${email} to finish, then log in.`, 'ok');
      busy(register, false);
      return;
    }
    await logIn(username, password);
  } catch (err) {
    say(status, err.status === 409 ? `The username “${username}” is taken; try another.` : err.message,
        'error');
    register.username.focus();
  }
  busy(register, false);
});

const s = session();
if (s) {
  say(document.getElementById('login-status'), `You are logged in as ${s.username}.`, 'ok');
}
