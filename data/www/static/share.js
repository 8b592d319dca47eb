// Sharing a video from its watch page: the code that embeds it on another
// site (/embed/{id}, for videos that are not private), the channel's feeds,
// and downloads of a rendition as one MP4 when the owner allows them
// (GET /api/v1/videos/{id}/download). The owner switches downloads on and
// off here (PATCH {"downloadable"}).
import { api, h, say } from './app.js';

// Drawn once per state, so a poll of the record does not reset what the
// viewer is selecting or copying.
let drawn = '';

function embedCode(id) {
  const src = new URL(`/embed/${encodeURIComponent(id)}`, location.origin).href;
  return `<iframe src="${src}" width="640" height="360" allow="fullscreen; picture-in-picture" allowfullscreen></iframe>`;
}

function embedBlock(meta) {
  const code = h('textarea', { id: 'embed-code', rows: '2', readonly: true });
  code.value = embedCode(meta.id);
  const status = h('span', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'link-button' }, 'Copy');
  copy.addEventListener('click', async () => {
    code.select();
    try {
      await navigator.clipboard.writeText(code.value);
      say(status, 'Copied.', 'ok');
    } catch {
      say(status, 'Press Ctrl+C to copy.', '');
    }
  });
  return h('div', { class: 'share-embed' },
    h('label', { for: 'embed-code' }, 'Embed on your site'), code, h('div', {}, copy, ' ', status));
}

function feedLinks(owner) {
  const base = `/feeds/channels/${encodeURIComponent(owner)}`;
  return h('p', { class: 'share-feeds' }, 'Follow this channel: ',
    h('a', { id: 'feed-rss', href: `${base}/rss`, type: 'application/rss+xml' }, 'RSS'), ' · ',
    h('a', { id: 'feed-atom', href: `${base}/atom`, type: 'application/atom+xml' }, 'Atom'));
}

// One link per video rung, best first. The links carry no credentials,
// so they are offered for what plays without them: not private videos.
function downloadLinks(meta) {
  const rungs = (meta.renditions || []).filter((r) => r.kind === 'video')
    .sort((a, b) => b.height - a.height);
  const list = h('ul', { id: 'download-list', class: 'download-list' });
  for (const r of rungs) {
    list.append(h('li', {}, h('a', {
      href: `${meta.download}?rendition=${encodeURIComponent(r.name)}`, download: '',
    }, `${r.name} MP4`)));
  }
  return h('div', { class: 'share-downloads' }, h('span', {}, 'Download'), list);
}

function downloadToggle(meta, onChange) {
  const box = h('input', { type: 'checkbox', id: 'downloadable' });
  box.checked = !!meta.downloadable;
  const status = h('span', { id: 'downloadable-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      const path = `/api/v1/videos/${encodeURIComponent(meta.id)}`;
      await api(path, { method: 'PATCH', body: { downloadable: box.checked } });
      // The API node that took the write reads it back (read-your-write).
      onChange(await api(path), box.checked ? 'Viewers can download it.' : 'Downloads are off.');
    } catch (e) {
      box.checked = !box.checked;
      say(status, e.message, 'error');
    } finally {
      box.disabled = false;
    }
  });
  return h('p', { class: 'share-toggle' }, box, ' ',
    h('label', { for: 'downloadable' }, 'Allow viewers to download this video'), ' ', status);
}

function ownerStatus(section, text) {
  const status = section.querySelector('#downloadable-status');
  if (status && text) say(status, text, 'ok');
}

export function showShare(section, meta, me, said = '') {
  const owner = !!me && me.username === meta.owner;
  const key = JSON.stringify([meta.privacy, meta.download || '', meta.downloadable, owner,
    (meta.renditions || []).length]);
  if (key === drawn) return;
  drawn = key;
  const shared = meta.privacy !== 'private';
  const parts = [h('h2', { id: 'share-h' }, 'Share')];
  if (shared) parts.push(embedBlock(meta));
  parts.push(feedLinks(meta.owner));
  if (meta.download && shared) parts.push(downloadLinks(meta));
  if (owner) {
    parts.push(downloadToggle(meta, (v, text) => showShare(section, v, me, text)));
  }
  section.replaceChildren(...parts);
  section.hidden = false;
  ownerStatus(section, said);
}
