// A channel's page: name, counts, subscribe, and its published videos.
import { api, pagedGrid, say, videoCard } from './app.js';
import { subscribeButton } from './subscribe.js';

const username = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const status = document.getElementById('status');

async function load() {
  let c;
  try {
    c = await api(`/api/v1/users/${encodeURIComponent(username)}`, { auth: false });
  } catch (e) {
    say(status, e.message, 'error');
    return;
  }
  document.title = `${c.display_name} · reel`;
  document.getElementById('name').textContent = c.display_name;
  document.getElementById('avatar').textContent = (c.display_name || c.username).slice(0, 1);
  document.getElementById('handle').textContent = `@${c.username}`;
  document.getElementById('video-count').textContent =
    `${c.video_count} ${c.video_count === 1 ? 'video' : 'videos'}`;
  subscribeButton(c, {
    button: document.getElementById('subscribe'),
    login: document.getElementById('subscribe-login'),
    count: document.getElementById('subscribers'),
  });
  pagedGrid(document.getElementById('videos'),
    (cursor) => api(`/api/v1/users/${encodeURIComponent(username)}/videos?limit=24${
      cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { auth: false }),
    { empty: 'This channel has not published any videos yet.',
      card: (v) => videoCard(v, { showChannel: false }) });
}

load();
