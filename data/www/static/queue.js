// The watch page's playlist tools:
// - "Watch later" and "Save to" (one of my playlists) for a logged-in viewer;
// - play-all: with ?list=ID the page shows that playlist beside the player
//   and, when the video ends, opens the next one with the same ?list, which
//   starts by itself (muted when the browser allows no sound without a
//   click). The last video ends the run.
import { api, h, say, session } from './app.js';

// Enough pages of a playlist to find the current video and the next in any
// list a person curates (the API caps a playlist at 5000 videos).
const PAGE = 100;
const MAX_PAGES = 50;

async function playlistVideos(listId) {
  let cursor = null;
  let first = null;
  const items = [];
  for (let i = 0; i < MAX_PAGES; i++) {
    const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await api(`/api/v1/playlists/${encodeURIComponent(listId)}?limit=${PAGE}${q}`,
                           { auth: !!session() });
    first = first || page;
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return { playlist: first, items };
}

export function watchHref(videoId, listId) {
  return `/watch/${encodeURIComponent(videoId)}${listId ? `?list=${encodeURIComponent(listId)}` : ''}`;
}

// Plays the queue of ?list around video (the <video> element) of videoId.
export async function mountQueue(videoId, video, box) {
  const listId = new URLSearchParams(location.search).get('list');
  if (!listId) return;
  let data;
  try {
    data = await playlistVideos(listId);
  } catch (e) {
    box.hidden = false;
    box.replaceChildren(h('p', { class: 'status error' }, `Playlist: ${e.message}`));
    return;
  }
  const at = data.items.findIndex((v) => v.id === videoId);
  const next = at >= 0 ? data.items[at + 1] : null;
  box.hidden = false;
  box.replaceChildren(
    h('h2', { id: 'queue-h' }, h('a', { href: `/playlist/${encodeURIComponent(listId)}` }, data.playlist.title),
      h('span', { class: 'hint' }, ` ${at + 1} / ${data.items.length}`)),
    h('ol', { class: 'queue-list' }, ...data.items.map((v) => h('li', {},
      h('a', { href: watchHref(v.id, listId), 'aria-current': v.id === videoId ? 'true' : null }, v.title)))));
  window.reelPlayer.queue = { list: listId, position: at, next: next ? next.id : null };
  if (next) {
    video.addEventListener('ended', () => { window.location.href = watchHref(next.id, listId); });
  }
  // Started from the playlist: play on, with sound if the browser lets us.
  video.play().catch(() => {
    video.muted = true;
    video.play().catch(() => {});
  });
}

// "Watch later" and "Save to…" for a logged-in viewer.
export async function mountSave(videoId, { later, select, status }) {
  if (!session()) return;
  later.hidden = false;
  later.onclick = async () => {
    later.disabled = true;
    try {
      await api('/api/v1/users/me/watch-later', { method: 'POST', body: { video_id: videoId } });
      say(status, 'Saved to Watch later.', 'ok');
    } catch (e) {
      say(status, e.message, 'error');
    } finally {
      later.disabled = false;
    }
  };
  try {
    const mine = await api('/api/v1/users/me/playlists?limit=100');
    const own = mine.items.filter((p) => p.kind === 'custom');
    if (!own.length) return;
    select.replaceChildren(h('option', { value: '' }, 'Save to playlist…'),
      ...own.map((p) => h('option', { value: p.id }, p.title)));
    select.hidden = false;
    select.onchange = async () => {
      const p = own.find((x) => x.id === select.value);
      if (!p) return;
      select.disabled = true;
      try {
        await api(`/api/v1/playlists/${encodeURIComponent(p.id)}/items`,
                  { method: 'POST', body: { video_id: videoId } });
        say(status, `Saved to ${p.title}.`, 'ok');
      } catch (e) {
        say(status, e.message, 'error');
      } finally {
        select.value = '';
        select.disabled = false;
      }
    };
  } catch (e) {
    say(status, e.message, 'error');
  }
}
