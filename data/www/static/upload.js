// The upload page: pick or drop a file, give it a title and description,
// upload it resumably with tus-js-client (POST /api/v1/uploads, then PATCH),
// with a progress bar, speed and time left; then follow its processing
// (GET /api/v1/videos/{id}: chunks done of total) and link to it as soon as
// it is playable.
//
// Resuming: tus-js-client keeps each unfinished upload's URL in
// localStorage under a fingerprint of the file (here: the user, name,
// type, size and modification time). A dropped connection is retried by
// tus-js-client itself from the offset the server reports (HEAD); after a
// page reload the page lists the unfinished uploads, and choosing the same
// file again continues from the server's offset instead of from 0.
import { api, formatBytes, formatDuration, h, loginHref, say, session } from './app.js';

const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
const SPEED_WINDOW_MS = 4000;
const POLL_MS = 700;
const RECENT_MAX = 8;

const $ = (id) => document.getElementById(id);
const me = session();
const form = $('upload');
const fileInput = $('file');
const start = $('start');
const cancel = $('cancel');
const fileInfo = $('file-info');
const uploadStatus = $('upload-status');

// For tests and curious people: what the uploader did.
window.reelUpload = { progress: [], resumedFrom: null, videoId: null, done: false, retries: 0 };

let file = null;
let previous = null; // a stored unfinished upload of this file
let upload = null;

function endpoint() {
  return `${location.origin}/api/v1/uploads`;
}

function fingerprint(f) {
  return ['reel', me.username, f.name, f.type, f.size, f.lastModified].join('/');
}

function storagePrefix() {
  return `tus::reel/${me.username}/`;
}

async function uploadState(url) {
  // tus HEAD: how much of the upload the server has.
  const r = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${me.token}` } });
  if (!r.ok) return { gone: r.status === 404 || r.status === 403, offset: 0, length: 0 };
  return { offset: Number(r.headers.get('Upload-Offset')), length: Number(r.headers.get('Upload-Length')) };
}

/* ---------- recent uploads (the API lists only published videos) ---------- */

function recentKey() {
  return `reel.uploads.${me.username}`;
}

function recentIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(recentKey()) || '[]');
    return Array.isArray(ids) ? ids.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function remember(id) {
  const ids = [id, ...recentIds().filter((x) => x !== id)].slice(0, RECENT_MAX);
  localStorage.setItem(recentKey(), JSON.stringify(ids));
}

function stateText(v) {
  const p = v.progress || { chunks_done: 0, chunks_total: 0 };
  switch (v.state) {
    case 'uploading': return 'upload not finished';
    case 'processing': return p.chunks_total ? `processing, ${p.chunks_done} of ${p.chunks_total} parts` : 'processing';
    case 'playable': return `watchable, ${p.chunks_done} of ${p.chunks_total} parts done`;
    case 'ready': return `ready · ${v.views} ${v.views === 1 ? 'view' : 'views'}`;
    case 'failed': return `failed: ${v.error || 'unknown reason'}`;
    default: return v.state;
  }
}

async function showRecent() {
  const ids = recentIds();
  if (!ids.length) return;
  const items = [];
  for (const id of ids) {
    try {
      const v = await api(`/api/v1/videos/${encodeURIComponent(id)}`);
      items.push(h('li', {},
        h('a', { href: `/watch/${encodeURIComponent(id)}` }, v.title),
        h('span', { class: `state${v.state === 'failed' ? ' error' : ''}` }, stateText(v))));
    } catch {
      /* deleted: leave it out */
    }
  }
  $('recent-list').replaceChildren(...items);
  $('recent').hidden = !items.length;
}

/* ---------- unfinished uploads ---------- */

async function showUnfinished() {
  const all = await window.tus.defaultOptions.urlStorage.findAllUploads();
  const mine = all.filter((u) => u.urlStorageKey.startsWith(storagePrefix()));
  const items = [];
  for (const u of mine) {
    let st;
    try {
      st = await uploadState(u.uploadUrl);
    } catch {
      st = { offset: 0, length: u.size };
    }
    if (st.gone || (st.length && st.offset >= st.length)) {
      await window.tus.defaultOptions.urlStorage.removeUpload(u.urlStorageKey);
      continue;
    }
    const name = (u.metadata && (u.metadata.title || u.metadata.filename)) || 'Untitled';
    const pct = st.length ? Math.floor((st.offset / st.length) * 100) : 0;
    const discard = h('button', { type: 'button', 'aria-label': `Discard the upload of ${name}` }, 'Discard');
    const li = h('li', {},
      h('span', {}, h('strong', {}, name), ` (${u.metadata ? u.metadata.filename : ''}) `),
      h('span', { class: 'state' }, `${pct} % uploaded`), discard);
    discard.addEventListener('click', async () => {
      discard.disabled = true;
      await fetch(u.uploadUrl, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${me.token}` } })
        .catch(() => {});
      await window.tus.defaultOptions.urlStorage.removeUpload(u.urlStorageKey);
      li.remove();
      $('unfinished').hidden = !$('unfinished-list').childElementCount;
    });
    items.push(li);
  }
  $('unfinished-list').replaceChildren(...items);
  $('unfinished').hidden = !items.length;
}

/* ---------- choosing a file ---------- */

function titleFromName(name) {
  return name.replace(/\.[^.]*$/, '').replace(/[_]+/g, ' ').trim().slice(0, 200) || 'Untitled';
}

function makeUpload(f) {
  const metadata = { filename: f.name, title: $('title').value.trim() || titleFromName(f.name) };
  const description = $('description').value.trim();
  if (description) metadata.description = description;
  // Public is the server's default: sent only when it is not, as before.
  const privacy = $('privacy').value;
  if (privacy !== 'public') metadata.privacy = privacy;
  return new window.tus.Upload(f, {
    endpoint: endpoint(),
    retryDelays: RETRY_DELAYS,
    headers: { Authorization: `Bearer ${me.token}` },
    metadata,
    fingerprint: (x) => Promise.resolve(fingerprint(x)),
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    // Client errors other than a conflict (409: resume from the server's
    // offset) or a lock (423) will not get better by retrying.
    onShouldRetry: (err) => {
      const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
      const retry = !(status >= 400 && status < 500 && status !== 409 && status !== 423);
      if (retry) {
        window.reelUpload.retries++;
        retrying = true;
        samples = [];
        say(uploadStatus, 'The connection dropped; resuming…');
      }
      return retry;
    },
    onProgress,
    onSuccess,
    onError,
  });
}

async function chooseFile(f) {
  file = f;
  previous = null;
  if (!f) {
    start.disabled = true;
    fileInfo.textContent = '';
    return;
  }
  const probe = makeUpload(f);
  const found = await probe.findPreviousUploads();
  found.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
  for (const p of found) {
    const st = await uploadState(p.uploadUrl).catch(() => ({ gone: false, offset: 0, length: f.size }));
    if (st.gone || st.offset >= f.size) {
      await window.tus.defaultOptions.urlStorage.removeUpload(p.urlStorageKey);
      continue;
    }
    previous = { ...p, offset: st.offset };
    break;
  }
  if (previous) {
    const pct = Math.floor((previous.offset / f.size) * 100);
    $('title').value = (previous.metadata && previous.metadata.title) || titleFromName(f.name);
    $('description').value = (previous.metadata && previous.metadata.description) || '';
    $('privacy').value = (previous.metadata && previous.metadata.privacy) || 'public';
    $('title').disabled = true;
    $('description').disabled = true;
    $('privacy').disabled = true;
    fileInfo.textContent = `${f.name}, ${formatBytes(f.size)}: ${pct} % of it was uploaded before; `
      + 'the upload continues from there (title and description were set when it started).';
    start.textContent = 'Resume upload';
  } else {
    $('title').disabled = false;
    $('description').disabled = false;
    $('privacy').disabled = false;
    if (!$('title').value.trim()) $('title').value = titleFromName(f.name);
    fileInfo.textContent = `${f.name}, ${formatBytes(f.size)}${f.type && !f.type.startsWith('video/')
      ? ' — this does not look like a video file; it will be checked after the upload' : ''}`;
    start.textContent = 'Upload';
  }
  start.disabled = false;
}

fileInput.addEventListener('change', () => chooseFile(fileInput.files[0] || null));

const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (!e.dataTransfer.files.length) return;
  fileInput.files = e.dataTransfer.files;
  chooseFile(e.dataTransfer.files[0]);
});

/* ---------- uploading ---------- */

let samples = []; // [time ms, bytes sent]
let retrying = false; // a retry after a dropped connection is under way

function onProgress(sent, total) {
  const pct = total ? Math.floor((sent / total) * 100) : 0;
  window.reelUpload.progress.push(pct);
  $('upload-bar').value = pct;
  $('upload-pct').textContent = `${pct} %`;
  $('upload-bytes').textContent = `${formatBytes(sent)} of ${formatBytes(total)}`;
  const now = performance.now();
  samples.push([now, sent]);
  while (samples.length > 2 && now - samples[0][0] > SPEED_WINDOW_MS) samples.shift();
  const [t0, b0] = samples[0];
  const speed = now > t0 ? ((sent - b0) * 1000) / (now - t0) : 0;
  $('upload-speed').textContent = speed > 0 ? `${formatBytes(speed)}/s` : '';
  $('upload-eta').textContent = speed > 0 && sent < total
    ? `${formatDuration((total - sent) / speed)} left` : '';
  if (sent >= total && !window.reelUpload.done) say(uploadStatus, 'Sent; waiting for the server to confirm…');
  else if (retrying) say(uploadStatus, 'Uploading again from where the server stopped…');
  retrying = false;
}

function errorMessage(err) {
  const res = err.originalResponse;
  if (res) {
    const status = res.getStatus();
    try {
      const body = JSON.parse(res.getBody());
      if (body.error && body.error.message) return `${body.error.message} (${status})`;
    } catch {
      /* not JSON */
    }
    if (status === 401) return 'your session expired; log in again';
    return `the server answered ${status}`;
  }
  return 'the connection to the server was lost';
}

function onError(err) {
  say(uploadStatus, `The upload stopped: ${errorMessage(err)}. Choose the file again to continue where it stopped.`, 'error');
  setBusy(false);
}

// How much of the account's storage is used, and what is left (issue 12's
// quotas: uploads.quota_bytes and uploads.daily_quota_bytes, or the
// admin's override); an upload beyond it is refused when it starts.
async function showQuota() {
  const el = $('quota');
  try {
    const { quota: q } = await api('/api/v1/users/me');
    if (!q) return;
    const parts = [q.quota_bytes === null || q.quota_bytes === undefined
      ? `Storage used: ${formatBytes(q.used_bytes)} (no limit)`
      : `Storage used: ${formatBytes(q.used_bytes)} of ${formatBytes(q.quota_bytes)}`
        + ` (${formatBytes(Math.max(0, q.quota_bytes - q.used_bytes))} left)`];
    if (q.daily_quota_bytes !== null && q.daily_quota_bytes !== undefined) {
      parts.push(`today ${formatBytes(q.daily_used_bytes)} of ${formatBytes(q.daily_quota_bytes)}`);
    }
    el.textContent = `${parts.join('; ')}.`;
    el.hidden = false;
  } catch {
    el.hidden = true; // not worth an error: the upload itself says why it is refused
  }
}

function onSuccess() {
  const id = upload.url.split('/').pop();
  window.reelUpload.videoId = id;
  window.reelUpload.done = true;
  onProgress(file.size, file.size);
  say(uploadStatus, 'Upload complete.', 'ok');
  remember(id);
  setBusy(false);
  form.reset();
  $('title').disabled = false;
  $('description').disabled = false;
  start.disabled = true;
  start.textContent = 'Upload';
  fileInfo.textContent = '';
  follow(id);
  showQuota();
}

function setBusy(on) {
  start.hidden = on;
  cancel.hidden = !on;
  fileInput.disabled = on;
  if (!previous) {
    $('title').disabled = on;
    $('description').disabled = on;
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!file) {
    say(fileInfo, 'Choose a video file first.', 'error');
    fileInput.focus();
    return;
  }
  if (!previous && !$('title').value.trim()) {
    $('title').focus();
    say(fileInfo, 'Give your video a title.', 'error');
    return;
  }
  upload = makeUpload(file);
  samples = [];
  $('progress').hidden = false;
  $('processing').hidden = true;
  setBusy(true);
  if (previous) {
    upload.resumeFromPreviousUpload(previous);
    window.reelUpload.resumedFrom = previous.offset;
    say(uploadStatus, `Resuming at ${formatBytes(previous.offset)}…`);
    onProgress(previous.offset, file.size);
  } else {
    say(uploadStatus, 'Uploading…');
    onProgress(0, file.size);
  }
  upload.start();
});

cancel.addEventListener('click', async () => {
  if (!upload) return;
  cancel.disabled = true;
  try {
    await upload.abort(true); // tus termination: the server forgets it
    say(uploadStatus, 'Upload cancelled.');
  } catch {
    say(uploadStatus, 'Upload stopped; it could not be removed from the server.', 'error');
  }
  cancel.disabled = false;
  setBusy(false);
  $('progress').hidden = true;
});

/* ---------- processing ---------- */

async function follow(id) {
  const section = $('processing');
  const bar = $('process-bar');
  const status = $('process-status');
  const link = $('watch-link');
  section.hidden = false;
  link.href = `/watch/${encodeURIComponent(id)}`;
  let v;
  try {
    v = await api(`/api/v1/videos/${encodeURIComponent(id)}`);
  } catch (e) {
    say(status, `${e.message} Retrying…`, 'error');
    setTimeout(() => follow(id), POLL_MS * 2);
    return;
  }
  const p = v.progress || { chunks_done: 0, chunks_total: 0 };
  if (p.chunks_total) {
    bar.max = p.chunks_total;
    bar.value = p.chunks_done;
  } else {
    bar.removeAttribute('value'); // indeterminate until the video is planned
  }
  window.reelUpload.processing = { state: v.state, ...p };
  switch (v.state) {
    case 'failed':
      bar.value = 0;
      say(status, `Processing failed: ${v.error || 'unknown reason'}.`, 'error');
      showRecent();
      return;
    case 'ready':
      bar.max = 1;
      bar.value = 1;
      say(status, `“${v.title}” is ready: ${p.chunks_total} of ${p.chunks_total} parts done.`, 'ok');
      link.hidden = false;
      link.textContent = 'Watch it';
      showRecent();
      return;
    case 'playable':
      say(status, `You can watch it now; ${p.chunks_done} of ${p.chunks_total} parts done.`);
      link.hidden = false;
      link.textContent = 'Watch it now';
      break;
    default:
      say(status, p.chunks_total ? `Transcoding: ${p.chunks_done} of ${p.chunks_total} parts done…`
                                 : 'Checking the video…');
  }
  setTimeout(() => follow(id), POLL_MS);
}

/* ---------- start ---------- */

if (!me) {
  $('need-login').hidden = false;
  $('login-link').href = loginHref();
} else if (!window.tus || !window.tus.isSupported) {
  $('need-login').hidden = false;
  $('need-login').textContent = 'This browser cannot upload files here; try a current browser.';
} else {
  form.hidden = false;
  showQuota();
  showUnfinished();
  showRecent();
}
