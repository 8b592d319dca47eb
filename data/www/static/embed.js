// The embed player (/embed/{id}), framed by other sites: plays the video
// with hls.js (or natively) and links its title to the watch page. It
// never sends the session the watch page keeps: inside another site it
// shows only what anyone may watch, so a private video's embed says it is
// unavailable even to its owner. While the video is processing it waits
// for the first chunks, and a viewer who started then gets the taller
// rungs once they exist (newrungs.js). What the viewer does with the
// player is reported as anonymous viewer actions (actions.js), so views
// and watch time from other sites count.
import { trackViewerActions } from './actions.js';
import { followNewRungs } from './newrungs.js';

const POLL_MS = 2000;
const video = document.getElementById('video');
const statusLine = document.getElementById('status');
const watchLink = document.getElementById('watch-link');
const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');

// For tests and curious people: the player's state and errors.
window.reelPlayer = {
  errors: [], hls: null, attached: false, unavailable: false, reloads: 0, reloadedAt: null,
};
let checkNewRungs = null; // set while a player that started early may get more rungs
let tracker = null;

// The rendition playing now, by its media playlist's name (<rung>.m3u8),
// or '' when unknown.
function currentRendition() {
  const hls = window.reelPlayer.hls;
  if (!hls) return '';
  const level = hls.levels[[hls.currentLevel, hls.loadLevel, hls.firstLevel].find((l) => l >= 0)];
  const file = level ? String(level.uri || level.url || '').split('?')[0].split('/').pop() : '';
  return file.endsWith('.m3u8') ? file.slice(0, -'.m3u8'.length) : '';
}

function say(text) {
  statusLine.textContent = text;
  statusLine.hidden = !text;
  video.hidden = !!text;
}

function attach(meta) {
  window.reelPlayer.attached = true;
  if (meta.thumbnail) video.poster = meta.thumbnail;
  tracker = trackViewerActions(video, id, meta.duration, currentRendition);
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({ lowLatencyMode: false });
    window.reelPlayer.hls = hls;
    hls.on(window.Hls.Events.ERROR, (_, data) => {
      if (data.fatal) {
        window.reelPlayer.errors.push(`hls: ${data.type} ${data.details}`);
        say('Playback failed. Reload to try again.');
      }
    });
    if (meta.state === 'playable') {
      checkNewRungs = followNewRungs(hls, video, meta.hls, window.reelPlayer,
        (playOn) => tracker.reloading(playOn));
    }
    let previous = '';
    hls.on(window.Hls.Events.LEVEL_SWITCHED, () => {
      const name = currentRendition();
      if (previous && name && name !== previous) tracker.qualityChanged(name);
      if (name) previous = name;
    });
    hls.loadSource(meta.hls);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = meta.hls;
  } else {
    say('This browser cannot play this video.');
  }
}

async function load() {
  let r;
  try {
    r = await fetch(`/api/v1/videos/${encodeURIComponent(id)}`, { credentials: 'omit' });
  } catch {
    // A player already playing keeps playing; the next poll asks again.
    if (!window.reelPlayer.attached) say('The video could not be loaded. Check your connection.');
    setTimeout(load, POLL_MS);
    return;
  }
  if (!r.ok && window.reelPlayer.attached) {
    if (r.status >= 500 || r.status === 429) setTimeout(load, POLL_MS);
    return;
  }
  if (!r.ok) {
    window.reelPlayer.unavailable = true;
    say('This video is unavailable.');
    return;
  }
  const meta = await r.json();
  document.title = `${meta.title} · reel`;
  watchLink.textContent = meta.title;
  watchLink.href = `/watch/${encodeURIComponent(id)}`;
  watchLink.hidden = false;
  if (meta.state === 'failed') {
    window.reelPlayer.unavailable = true;
    say('This video could not be processed.');
  } else if (window.reelPlayer.attached) {
    // Playing while it was processing: polled until it is ready.
    if (checkNewRungs) checkNewRungs();
    if (meta.state !== 'ready') setTimeout(load, POLL_MS);
  } else if (meta.state === 'playable' || meta.state === 'ready') {
    say('');
    attach(meta);
    if (meta.state === 'playable') setTimeout(load, POLL_MS);
  } else {
    say('This video is still being processed…');
    setTimeout(load, POLL_MS);
  }
}

video.addEventListener('error', () => {
  const e = video.error;
  window.reelPlayer.errors.push(`video: ${e ? `${e.code} ${e.message}` : 'error'}`);
});

load();
