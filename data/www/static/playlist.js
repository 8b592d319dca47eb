// The playlist page (/playlist/{id}): its videos in order, "Play all" (the
// watch page of the first with ?list=, which plays the rest in turn), and
// for the owner moving a video up or down and taking it out. A private
// playlist of someone else's reads as missing, as the API answers 404.
import { api, formatCount, h, say, session } from './app.js';
import { watchHref } from './queue.js';

const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const path = `/api/v1/playlists/${encodeURIComponent(id)}`;
const list = document.getElementById('items');
const more = document.getElementById('more');
const statusLine = document.getElementById('status');
let videos = [];
let playlist = null;

function mine() {
  const s = session();
  return !!(s && playlist && s.username === playlist.owner);
}

async function move(videoId, position) {
  try {
    await api(`${path}/items/${encodeURIComponent(videoId)}`, { method: 'PATCH', body: { position } });
    await load();
  } catch (e) {
    say(statusLine, e.message, 'error');
  }
}

async function remove(videoId) {
  try {
    await api(`${path}/items/${encodeURIComponent(videoId)}`, { method: 'DELETE' });
    await load();
  } catch (e) {
    say(statusLine, e.message, 'error');
  }
}

function render() {
  list.replaceChildren(...videos.map((v, i) => h('li', { 'data-id': v.id },
    h('a', { href: watchHref(v.id, id) }, v.title),
    h('span', { class: 'hint' }, ` ${formatCount(v.likes, 'like')}`),
    mine() ? h('span', { class: 'item-tools' },
      h('button', { type: 'button', class: 'link-button', disabled: i === 0, onclick: () => move(v.id, i - 1),
                    'aria-label': `Move ${v.title} up` }, '↑'),
      h('button', { type: 'button', class: 'link-button', disabled: i === videos.length - 1,
                    onclick: () => move(v.id, i + 1), 'aria-label': `Move ${v.title} down` }, '↓'),
      h('button', { type: 'button', class: 'link-button', onclick: () => remove(v.id),
                    'aria-label': `Remove ${v.title}` }, 'Remove')) : null)));
  const play = document.getElementById('play-all');
  play.hidden = !videos.length;
  if (videos.length) play.href = watchHref(videos[0].id, id);
}

async function page(cursor) {
  const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  const p = await api(`${path}?limit=50${q}`, { auth: !!session() });
  playlist = p;
  videos.push(...p.items);
  more.hidden = !p.next_cursor;
  more.onclick = () => page(p.next_cursor).then(render).catch((e) => say(statusLine, e.message, 'error'));
}

async function load() {
  videos = [];
  try {
    await page(null);
  } catch (e) {
    document.getElementById('title').textContent = e.status === 404 ? 'Playlist not found' : 'Playlist';
    say(statusLine, e.status === 404 ? 'This playlist does not exist, or it is private.' : e.message, 'error');
    return;
  }
  document.title = `${playlist.title} · reel`;
  document.getElementById('title').textContent = playlist.title;
  const owner = document.getElementById('owner');
  owner.href = `/channel/${encodeURIComponent(playlist.owner)}`;
  owner.textContent = playlist.owner;
  document.getElementById('count').textContent = `· ${formatCount(playlist.count, 'video')}`;
  const badge = document.getElementById('privacy');
  badge.hidden = playlist.privacy === 'public';
  badge.textContent = playlist.privacy === 'private' ? 'Private' : 'Unlisted';
  if (!videos.length) say(statusLine, 'No videos in this playlist yet.');
  render();
}

load();
