// The subscribe button of a channel (watch and channel pages): shows the
// subscriber count, whether I follow the channel, and toggles it
// (POST /api/v1/subscriptions, DELETE /api/v1/subscriptions/{channel}).
import { api, isSubscribed, loginHref, session } from './app.js';

function countText(n) {
  return `${n.toLocaleString('en')} ${n === 1 ? 'subscriber' : 'subscribers'}`;
}

// channel: GET /api/v1/users/{username}; els: {button, login, count}.
export async function subscribeButton(channel, { button, login, count }) {
  let subscribers = channel.subscriber_count;
  count.textContent = countText(subscribers);
  const me = session();
  if (!me) {
    login.href = loginHref();
    login.hidden = false;
    return;
  }
  if (me.username === channel.username) return; // one's own channel
  let on = false;
  function show() {
    button.textContent = on ? 'Subscribed' : 'Subscribe';
    button.setAttribute('aria-pressed', String(on));
    button.classList.toggle('primary', !on);
    button.classList.toggle('subscribed', on);
    button.setAttribute('aria-label', `${on ? 'Unsubscribe from' : 'Subscribe to'} ${channel.display_name}`);
    count.textContent = countText(subscribers);
  }
  try {
    on = await isSubscribed(channel.username);
  } catch {
    /* shown as not subscribed; the click will tell */
  }
  show();
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      if (on) {
        await api(`/api/v1/subscriptions/${encodeURIComponent(channel.username)}`, { method: 'DELETE' });
      } else {
        await api('/api/v1/subscriptions', { method: 'POST', body: { channel: channel.username } });
      }
      const fresh = await api(`/api/v1/users/${encodeURIComponent(channel.username)}`, { auth: false });
      subscribers = fresh.subscriber_count;
      on = !on;
      show();
    } catch (e) {
      count.textContent = e.message;
      count.classList.add('error');
    }
    button.disabled = false;
  });
}
