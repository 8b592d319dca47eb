// The watch page: plays /videos/{id}/master.m3u8 with hls.js (adaptive
// quality over MSE), or natively where the browser plays HLS itself, with a
// quality menu listing the video's rungs (Auto, or one fixed rung). While
// the video is still processing it shows the progress and starts playing
// as soon as the first chunks are done; a failed video shows the reason, and
// so does one the moderators blocked (451), instead of the player.
// Around the player: title, views, channel with its subscribe button,
// description, comments, up next, and for the video's owner the audience
// (views, watch time, retention chart). The player's actions are reported
// as viewer actions (actions.js). Likes (rating.js); Watch later, saving to
// a playlist and playing a playlist through with ?list= (queue.js).
import { api, formatCount, formatDuration, h, pagedGrid, say, session, timeAgo, videoCard } from './app.js';
import { trackViewerActions } from './actions.js';
import { showChecks } from './checks.js';
import { showShare } from './share.js';
import { mountCaptionsUpload, showCaptionsMenu } from './captions.js';
import { retentionChart } from './chart.js';
import { mountComments } from './comments.js';
import { mountQueue, mountSave } from './queue.js';
import { mountRating } from './rating.js';
import { subscribeButton } from './subscribe.js';
import { mountSeekPreview } from './seekpreview.js';
import { followNewRungs } from './newrungs.js';

const POLL_MS = 2000;
const video = document.getElementById('video');
const statusLine = document.getElementById('status');
const quality = document.getElementById('quality');
const playing = document.getElementById('playing');
const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');

// For tests and curious people: the player's state and errors, as they
// happen; reloads counts the master playlist's reloads for new rungs, the
// last at the position reloadedAt.
window.reelPlayer = { errors: [], hls: null, attached: false, rungs: [], reloads: 0, reloadedAt: null };

let meta = null;
let tracker = null;
let rungs = []; // the video renditions, best first: {name, width, height}
let shownOnce = false;
let queued = false;

// The rung of an hls.js level: by its playlist's name (<rung>.m3u8), which
// tells apart rungs of one size in two codecs (720p, 720pvp9); by size
// when the URL says nothing.
function rungOfLevel(level) {
  if (!level) return null;
  const file = String(level.uri || level.url || '').split('?')[0].split('/').pop();
  return rungs.find((r) => file === `${r.name}.m3u8`)
    || rungs.find((r) => r.height === level.height && r.width === level.width)
    || rungs.find((r) => r.height === level.height);
}

function currentRendition() {
  const hls = window.reelPlayer.hls;
  if (hls) {
    // Before the first switch is announced, the level being loaded is the one that plays.
    const level = [hls.currentLevel, hls.loadLevel, hls.firstLevel].find((l) => l >= 0);
    const r = level === undefined ? null : rungOfLevel(hls.levels[level]);
    if (r) return r.name;
  }
  const byHeight = rungs.find((r) => r.height === video.videoHeight);
  return byHeight ? byHeight.name : '';
}

function showPlaying() {
  const name = currentRendition();
  playing.textContent = name ? `Playing ${name}` : '';
  if (quality.value === 'auto') quality.options[0].textContent = name ? `Auto (${name})` : 'Auto';
}

function fillQualityMenu() {
  quality.replaceChildren(h('option', { value: 'auto' }, 'Auto'),
    ...rungs.map((r) => h('option', { value: r.name }, `${r.name} (${r.width}×${r.height})`)));
  window.reelPlayer.rungs = rungs.map((r) => r.name);
}

quality.addEventListener('change', () => {
  const hls = window.reelPlayer.hls;
  if (!hls) return;
  if (quality.value === 'auto') {
    hls.currentLevel = -1; // back to adaptive
    hls.loadLevel = -1;
  } else {
    const r = rungs.find((x) => x.name === quality.value);
    const idx = hls.levels.findIndex((l) => rungOfLevel(l) === r);
    if (idx >= 0) hls.currentLevel = idx; // switches now (flushes what is buffered)
  }
  showPlaying();
});

let checkNewRungs = null; // set while a player that started early may get more rungs

function attach() {
  if (window.reelPlayer.attached) {
    if (checkNewRungs) checkNewRungs();
    return;
  }
  window.reelPlayer.attached = true;
  tracker = trackViewerActions(video, id, meta.duration, currentRendition, session);
  const src = meta.hls;
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({ lowLatencyMode: false });
    window.reelPlayer.hls = hls;
    hls.on(window.Hls.Events.ERROR, (_, data) => {
      if (data.fatal) {
        window.reelPlayer.errors.push(`hls: ${data.type} ${data.details}`);
        say(statusLine, `Playback failed (${data.details}). Reload the page to try again.`, 'error');
      }
    });
    if (meta.state === 'playable') {
      checkNewRungs = followNewRungs(hls, video, src, window.reelPlayer,
        (playOn) => tracker.reloading(playOn));
    }
    hls.on(window.Hls.Events.MANIFEST_PARSED, () => {
      quality.disabled = rungs.length < 1;
    });
    let previous = null;
    hls.on(window.Hls.Events.LEVEL_SWITCHED, (_, data) => {
      const r = rungOfLevel(hls.levels[data.level]);
      if (previous && r && r.name !== previous) tracker.qualityChanged(r.name);
      if (r) previous = r.name;
      showPlaying();
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = src; // the browser picks the quality itself
    quality.title = 'This browser chooses the quality by itself';
  } else {
    say(statusLine, 'This browser cannot play HLS video.', 'error');
  }
}

video.addEventListener('error', () => {
  const e = video.error;
  window.reelPlayer.errors.push(`video: ${e ? `${e.code} ${e.message}` : 'error'}`);
});
video.addEventListener('resize', showPlaying);

function showMeta() {
  document.title = `${meta.title} · reel`;
  document.getElementById('title').textContent = meta.title;
  // Only the owner (or a moderator) sees a private video; say so, and
  // that an unlisted one is shared by link only.
  if (meta.privacy === 'private' || meta.privacy === 'unlisted') {
    document.getElementById('title').append(' ', h('span', { class: 'privacy-badge' },
      meta.privacy === 'private' ? 'Private' : 'Unlisted'));
  }
  document.getElementById('description').textContent = meta.description || '';
  document.getElementById('views').textContent = formatCount(meta.views, 'view');
  document.getElementById('age').textContent = meta.created_at ? ` · ${timeAgo(meta.created_at)}` : '';
  if (meta.thumbnail && !video.poster) video.poster = meta.thumbnail;
  showSeekPreview();
  rungs = (meta.renditions || []).filter((r) => r.kind === 'video')
    .sort((a, b) => b.height - a.height);
  showOwnerTools();
  showChecks(document.getElementById('checks'), meta, session());
  showShare(document.getElementById('share'), meta, session());
  showCaptionsMenu(video, meta);
  mountCaptionsUpload(document.getElementById('captions-upload'), meta);
  showChapters();
  if (!shownOnce) {
    shownOnce = true;
    fillQualityMenu();
    loadChannel();
    mountComments(document.getElementById('comments'), id, meta.owner);
    loadAudience();
    loadRelated();
    offerResume();
    mountRating(id, {
      like: document.getElementById('like'),
      dislike: document.getElementById('dislike'),
      likes: document.getElementById('likes'),
      dislikes: document.getElementById('dislikes'),
      status: document.getElementById('rate-status'),
    });
    mountSave(id, {
      later: document.getElementById('watch-later'),
      select: document.getElementById('save-to'),
      status: document.getElementById('rate-status'),
    });
  }
}

// Seek previews (seekpreview.js), once the storyboard exists: it is made
// beside the transcode, so it may come after the first records.
let seekPreviewShown = false;
function showSeekPreview() {
  if (seekPreviewShown || !meta.storyboard) return;
  seekPreviewShown = true;
  mountSeekPreview(document.querySelector('.player'), video, meta.storyboard.vtt)
    .catch((e) => window.reelPlayer.errors.push(`storyboard: ${e.message}`));
}

// Chapters (from timestamps in the description, parsed by the server): a
// list that seeks, marks under the player, and the current one's name.
let chaptersShown = '';
function showChapters() {
  const chapters = meta.chapters || [];
  const key = JSON.stringify(chapters);
  if (key === chaptersShown) return;
  chaptersShown = key;
  const nav = document.getElementById('chapters');
  const marks = document.getElementById('chapter-marks');
  nav.hidden = marks.hidden = chapters.length === 0;
  const total = meta.duration || 0;
  const seek = (t) => { video.currentTime = t; if (video.paused) video.play().catch(() => {}); };
  document.getElementById('chapter-list').replaceChildren(...chapters.map((c, i) => h('li', {},
    h('button', { type: 'button', class: 'link-button', 'data-index': i, onclick: () => seek(c.start) },
      h('time', {}, formatDuration(c.start)), ' ', c.title))));
  marks.replaceChildren(...chapters.map((c, i) => {
    const end = i + 1 < chapters.length ? chapters[i + 1].start : total;
    const width = total > 0 ? Math.max(0, (end - c.start) / total) * 100 : 0;
    const mark = h('span', { class: 'chapter-mark', title: c.title, onclick: () => seek(c.start) });
    mark.style.width = `${width}%`; // CSSOM: the CSP forbids style attributes
    return mark;
  }));
  markChapter();
}

function markChapter() {
  const chapters = meta && meta.chapters ? meta.chapters : [];
  let now = -1;
  chapters.forEach((c, i) => { if (video.currentTime >= c.start) now = i; });
  const label = now >= 0 ? chapters[now].title : '';
  const el = document.getElementById('chapter-now');
  if (el.textContent !== label) el.textContent = label;
  document.querySelectorAll('#chapter-list button').forEach((b) => {
    if (Number(b.dataset.index) === now) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  });
  document.querySelectorAll('#chapter-marks .chapter-mark').forEach((m, i) => {
    m.classList.toggle('current', i === now);
  });
}
video.addEventListener('timeupdate', markChapter);

// Where this viewer left the video last time (their watch history): an
// offer to go on from there, unless it was near the start or the end
// (5 s, or a tenth of a short video).
const RESUME_MARGIN_S = 5;
async function offerResume() {
  if (!session()) return;
  let entry;
  try {
    entry = await api(`/api/v1/users/me/history/${encodeURIComponent(id)}`);
  } catch {
    return; // history unavailable: no offer
  }
  const at = entry.position; // null: not watched before
  const margin = Math.min(RESUME_MARGIN_S, (meta.duration || 0) / 10);
  if (at === null || !(at > margin && (!meta.duration || at < meta.duration - margin))) return;
  const button = document.getElementById('resume');
  button.textContent = `Resume at ${formatDuration(at)}`;
  button.hidden = false;
  button.onclick = () => {
    video.currentTime = at;
    video.play().catch(() => {});
    button.hidden = true;
  };
  video.addEventListener('seeked', () => { if (video.currentTime > 1) button.hidden = true; }, { once: true });
}

// The owner changes the privacy here. The page then loads again: the
// player must switch between plain and signed media URLs, which the record
// names.
const PRIVACY_SAVED_KEY = 'reel.privacySaved';
function showOwnerTools() {
  const me = session();
  const tools = document.getElementById('owner-tools');
  if (!me || me.username !== meta.owner) return;
  const select = document.getElementById('privacy-edit');
  const status = document.getElementById('privacy-status');
  tools.hidden = false;
  if (document.activeElement !== select) select.value = meta.privacy;
  const saved = sessionStorage.getItem(PRIVACY_SAVED_KEY);
  if (saved) {
    sessionStorage.removeItem(PRIVACY_SAVED_KEY);
    say(status, saved, 'ok');
  }
  select.onchange = async () => {
    select.disabled = true;
    // The player's URLs stop working when they change from plain to signed.
    const hls = window.reelPlayer.hls;
    if (hls) hls.stopLoad();
    try {
      await api(`/api/v1/videos/${encodeURIComponent(id)}`, { method: 'PATCH', body: { privacy: select.value } });
      sessionStorage.setItem(PRIVACY_SAVED_KEY, `The video is now ${select.value}.`);
      window.location.reload();
    } catch (err) {
      say(status, err.message, 'error');
      select.value = meta.privacy;
      select.disabled = false;
      if (hls) hls.startLoad();
    }
  };
}

async function loadChannel() {
  const link = document.getElementById('channel-link');
  link.href = `/channel/${encodeURIComponent(meta.owner)}`;
  link.textContent = meta.owner;
  try {
    const c = await api(`/api/v1/users/${encodeURIComponent(meta.owner)}`, { auth: false });
    link.textContent = c.display_name;
    subscribeButton(c, {
      button: document.getElementById('subscribe'),
      login: document.getElementById('subscribe-login'),
      count: document.getElementById('subscribers'),
    });
  } catch (e) {
    document.getElementById('subscribers').textContent = e.message;
  }
}

async function loadAudience() {
  const me = session();
  if (!me || me.username !== meta.owner) return;
  const section = document.getElementById('audience');
  const status = document.getElementById('audience-status');
  section.hidden = false;
  say(status, 'Loading…');
  try {
    const a = await api(`/api/v1/videos/${encodeURIComponent(id)}/analytics`);
    const stats = [
      ['Views', a.views.toLocaleString('en')],
      ['Viewers', a.viewers.toLocaleString('en')],
      ['Watch time', formatDuration(a.watch_time)],
      ['Average view', formatDuration(a.average_view_duration)],
    ];
    document.getElementById('audience-stats').replaceChildren(
      ...stats.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
    const figure = document.getElementById('retention');
    retentionChart(figure, a);
    figure.dataset.watchTime = String(a.watch_time);
    say(status, a.viewers ? '' : 'Nobody has watched it yet; the numbers follow the viewers within a minute.');
  } catch (e) {
    say(status, e.message, 'error');
  }
}
document.getElementById('audience-refresh').addEventListener('click', loadAudience);

function loadRelated() {
  const box = document.getElementById('related');
  pagedGrid(box, () => api(`/api/v1/videos/${encodeURIComponent(id)}/related?limit=8`),
            { empty: 'Nothing else yet.', card: (v) => videoCard(v) });
}

// Once the player is attached: the ?list= playlist, which starts playing.
function startQueue() {
  if (queued) return;
  queued = true;
  mountQueue(id, video, document.getElementById('queue'));
}

async function load() {
  try {
    // With the session: the owner and moderators get a private video's
    // record, whose media URLs are signed for a player without credentials.
    meta = await api(`/api/v1/videos/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status === 404) {
      say(statusLine, 'This video does not exist, or it was deleted.', 'error');
      document.getElementById('title').textContent = 'Video not found';
      return;
    }
    if (e.status === 451) {
      // Blocked by the moderators: the reason instead of the player.
      say(statusLine, e.message, 'error');
      document.getElementById('title').textContent = 'Video unavailable';
      document.querySelector('.player').hidden = true;
      document.querySelector('.player-bar').hidden = true;
      return;
    }
    say(statusLine, `${e.message} Retrying…`, 'error');
    setTimeout(load, POLL_MS);
    return;
  }
  showMeta();
  const p = meta.progress || { chunks_done: 0, chunks_total: 0 };
  switch (meta.state) {
    case 'ready':
      say(statusLine, '');
      attach();
      startQueue();
      return;
    case 'playable':
      say(statusLine, `Still processing: ${p.chunks_done} of ${p.chunks_total} parts done. You can start watching.`);
      attach();
      startQueue();
      break;
    case 'failed':
      say(statusLine, `This video could not be processed: ${meta.error || 'unknown reason'}.`, 'error');
      document.querySelector('.player').classList.add('failed');
      return;
    case 'uploading':
      say(statusLine, 'Waiting for the upload to finish…');
      break;
    default:
      say(statusLine, p.chunks_total ? `Processing: ${p.chunks_done} of ${p.chunks_total} parts done…`
                                     : 'Processing: checking the video…');
  }
  setTimeout(load, POLL_MS);
}

load();
