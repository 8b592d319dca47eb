// The watch page: plays /videos/{id}/master.m3u8 with hls.js (adaptive
// quality over MSE), or natively where the browser plays HLS itself. While
// the video is still processing it shows the progress and starts playing
// as soon as the first chunks are done.
'use strict';

const POLL_MS = 2000;
const video = document.getElementById('video');
const statusLine = document.getElementById('status');
const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');

// For tests and curious people: the player's errors, as they happen.
window.reelPlayer = { errors: [], hls: null, attached: false };

function say(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

function attach(meta) {
  if (window.reelPlayer.attached) return;
  window.reelPlayer.attached = true;
  const src = meta.hls;
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({ lowLatencyMode: false });
    window.reelPlayer.hls = hls;
    hls.on(window.Hls.Events.ERROR, (_, data) => {
      if (data.fatal) {
        window.reelPlayer.errors.push(`hls: ${data.type} ${data.details}`);
        say(`Playback failed (${data.details}).`, true);
      }
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src;
  } else {
    say('This browser cannot play HLS video.', true);
  }
}

video.addEventListener('error', () => {
  const e = video.error;
  window.reelPlayer.errors.push(`video: ${e ? e.code + ' ' + e.message : 'error'}`);
});

async function load() {
  let meta;
  try {
    const r = await fetch(`/api/v1/videos/${encodeURIComponent(id)}`);
    if (r.status === 404) { say('This video does not exist.', true); return; }
    meta = await r.json();
    if (!r.ok) { say(meta.error ? meta.error.message : `Error ${r.status}`, true); return; }
  } catch (e) {
    say('The server cannot be reached; retrying…', true);
    setTimeout(load, POLL_MS);
    return;
  }
  document.title = `${meta.title} · reel`;
  document.getElementById('title').textContent = meta.title;
  document.getElementById('description').textContent = meta.description || '';
  if (meta.thumbnail && !video.poster) video.poster = meta.thumbnail;
  const p = meta.progress || { chunks_done: 0, chunks_total: 0 };
  switch (meta.state) {
    case 'ready':
      say('');
      attach(meta);
      return;
    case 'playable':
      say(`Processing: ${p.chunks_done} of ${p.chunks_total} parts done. You can start watching.`);
      attach(meta);
      break;
    case 'failed':
      say(`This video could not be processed: ${meta.error || 'unknown reason'}.`, true);
      return;
    case 'uploading':
      say('Waiting for the upload to finish…');
      break;
    default:
      say(p.chunks_total ? `Processing: ${p.chunks_done} of ${p.chunks_total} parts done…`
                         : 'Processing…');
  }
  setTimeout(load, POLL_MS);
}

load();
