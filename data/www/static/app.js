// What every page of reel's web UI shares: the session, the API client,
// DOM building, formatting, video cards, and the header (search as you
// type, notifications bell, account). Each page's own module imports this
// one; importing it mounts the header into <header id="top">.
//
// Session: the bearer token from POST /api/v1/sessions lives in
// localStorage ("reel.session"), because the API takes bearer tokens, not
// cookies, and a token in localStorage survives reloads and is shared by
// the tabs of the site. Its risk is that any script on the origin can read
// it; so no text from the API is ever inserted as HTML (everything goes
// through textContent, except the search highlights, which the server
// escapes and safeMarkup() re-checks), and reeld serves the UI with a
// Content-Security-Policy that runs scripts from this origin only.
'use strict';

const SESSION_KEY = 'reel.session';
const NOTIFY_POLL_MS = 30000;
const SEARCH_DEBOUNCE_MS = 150;
const LIVE_RESULTS = 6;

/* ---------- session ---------- */

export function session() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
    return s && typeof s.token === 'string' && typeof s.username === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function setSession(token, username) {
  localStorage.setItem(SESSION_KEY, JSON.stringify({ token, username }));
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

/* ---------- API ---------- */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const NETWORK_MESSAGE = 'The server cannot be reached. Check your connection and try again.';

// One JSON request to reel's API: resolves to the parsed answer (null for
// 204), rejects with an ApiError whose message is fit to show a person.
export async function api(path, { method = 'GET', body, signal, auth = true } = {}) {
  const headers = {};
  const s = auth ? session() : null;
  if (s) headers.Authorization = `Bearer ${s.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, {
      method, headers, signal,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
  }
  if (r.status === 204) return null;
  let data = null;
  try {
    data = await r.json();
  } catch {
    /* not JSON: a proxy's error page */
  }
  if (r.ok) return data;
  const err = data && data.error ? data.error : {};
  if (r.status === 401 && s && method !== 'POST' && path !== '/api/v1/sessions') {
    // The token expired or was revoked elsewhere: forget it.
    clearSession();
  }
  throw new ApiError(r.status, err.code || 'http', err.message || httpMessage(r.status));
}

function httpMessage(status) {
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many requests; wait a moment and try again.';
  if (status >= 500) return `The server had a problem (${status}); try again in a moment.`;
  return `The request failed (${status}).`;
}

// Whether the signed-in user follows channel (walks GET /api/v1/subscriptions).
export async function isSubscribed(channel) {
  let cursor = null;
  do {
    const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await api(`/api/v1/subscriptions?limit=100${q}`);
    if (page.items.some((c) => c.username === channel)) return true;
    cursor = page.next_cursor;
  } while (cursor);
  return false;
}

/* ---------- DOM ---------- */

// h('a', {href: '/', class: 'x', onclick: f, 'aria-label': 'y'}, 'text', child...)
// Strings become text nodes: nothing passed here is parsed as HTML.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && !k.includes('-') && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// The server's search highlights (title_html, snippet_html) are its own
// escaped text with <mark> around matches. They are parsed inertly and
// rebuilt from text nodes and bare <mark> elements only, so even a broken
// server could not slip markup in.
export function safeMarkup(html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  const out = document.createDocumentFragment();
  for (const node of tpl.content.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) out.append(node.textContent);
    else if (node.nodeName === 'MARK') out.append(h('mark', {}, node.textContent));
    else out.append(node.textContent || '');
  }
  return out;
}

// Sets a status line (an aria-live region) to text, marked as an error or not.
export function say(el, text, kind = '') {
  el.textContent = text;
  el.classList.toggle('error', kind === 'error');
  el.classList.toggle('ok', kind === 'ok');
}

/* ---------- formatting ---------- */

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function formatCount(n, one, many = `${one}s`) {
  const v = Number(n) || 0;
  return `${v.toLocaleString('en')} ${v === 1 ? one : many}`;
}

export function formatBytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

const AGE_STEPS = [
  [60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [4.35, 'week'], [12, 'month'],
  [Infinity, 'year'],
];

export function timeAgo(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  let v = Math.max(0, (Date.now() - t) / 1000);
  for (const [size, unit] of AGE_STEPS) {
    if (v < size) {
      const n = Math.floor(v);
      return n === 0 && unit === 'second' ? 'just now' : `${n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
    v /= size;
  }
  return '';
}

export function timeElement(iso) {
  return h('time', { datetime: iso, title: new Date(iso).toLocaleString() }, timeAgo(iso));
}

/* ---------- video cards ---------- */

// One video of a list (GET /api/v1/videos, feed, channel, related): a card
// with its thumbnail, duration, title, channel, views and age.
export function videoCard(v, { showChannel = true, titleNode = null } = {}) {
  const watch = `/watch/${encodeURIComponent(v.id)}`;
  const thumb = v.thumbnail
    ? h('img', { src: v.thumbnail_small || v.thumbnail, alt: `Thumbnail of “${v.title}”`, loading: 'lazy',
                 width: 320, height: 180 })
    : h('span', { class: 'thumb-empty', role: 'img', 'aria-label': 'No thumbnail yet' });
  const duration = Number.isFinite(v.duration)
    ? h('span', { class: 'duration', 'aria-label': `Duration ${formatDuration(v.duration)}` },
        formatDuration(v.duration))
    : null;
  const when = v.published_at || v.created_at;
  const channel = v.channel ? v.channel.display_name || v.channel.username : v.owner;
  return h('li', { class: 'card' },
    h('a', { class: 'card-thumb', href: watch, tabindex: '-1', 'aria-hidden': 'true' },
      thumb, duration),
    h('div', { class: 'card-body' },
      h('h3', { class: 'card-title' }, h('a', { href: watch }, titleNode || v.title)),
      showChannel ? h('p', { class: 'card-channel' },
        h('a', { href: `/channel/${encodeURIComponent(v.owner)}` }, channel)) : null,
      h('p', { class: 'card-meta' }, formatCount(v.views, 'view'),
        when ? ' · ' : '', when ? timeElement(when) : '')));
}

// A list of videos with a "More" button that follows next_cursor.
// load(cursor) resolves to a page {items, next_cursor}.
export function pagedGrid(container, load, { empty = 'No videos yet.', card = videoCard } = {}) {
  const list = h('ul', { class: 'grid' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'More');
  container.append(list, status, more);
  let cursor = null;
  async function next() {
    more.disabled = true;
    say(status, 'Loading…');
    try {
      const page = await load(cursor);
      for (const v of page.items) list.append(card(v));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      say(status, list.childElementCount ? '' : empty);
    } catch (e) {
      say(status, e.message, 'error');
    }
    more.disabled = false;
  }
  more.addEventListener('click', next);
  return next();
}

/* ---------- header ---------- */

function icon(paths) {
  const s = svg('svg', { viewBox: '0 0 24 24', width: 22, height: 22, 'aria-hidden': 'true',
                         focusable: 'false' });
  for (const d of paths) s.append(svg('path', { d }));
  return s;
}

const BELL = ['M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22z',
  'M18 16v-5a6 6 0 0 0-4.5-5.8V4.5a1.5 1.5 0 0 0-3 0v.7A6 6 0 0 0 6 11v5l-2 2v1h16v-1z'];

export function loginHref() {
  const next = location.pathname + location.search;
  return `/login?next=${encodeURIComponent(next)}`;
}

function mountSearch(form) {
  const input = form.querySelector('input');
  const panel = h('div', { id: 'live-results', class: 'live-results', hidden: true });
  const count = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { 'aria-label': 'Search results' });
  panel.append(list);
  form.append(panel, count);
  input.setAttribute('aria-controls', 'live-results');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('autocomplete', 'off');
  let timer = 0;
  let inflight = null;

  function close() {
    panel.hidden = true;
    input.setAttribute('aria-expanded', 'false');
  }
  async function run() {
    const q = input.value.trim();
    if (inflight) inflight.abort();
    if (!q) { close(); list.replaceChildren(); return; }
    inflight = new AbortController();
    try {
      const page = await api(`/api/v1/search?q=${encodeURIComponent(input.value)}&limit=${LIVE_RESULTS}`,
                             { signal: inflight.signal, auth: false });
      list.replaceChildren(...page.items.map((v) => h('li', {},
        h('a', { href: `/watch/${encodeURIComponent(v.id)}`, class: 'live-hit' },
          v.thumbnail ? h('img', { src: v.thumbnail, alt: '', width: 64, height: 36 }) : null,
          h('span', { class: 'live-text' },
            h('span', { class: 'live-title' }, safeMarkup(v.title_html)),
            h('span', { class: 'live-channel' }, v.channel.display_name || v.owner))))));
      if (!page.items.length) list.append(h('li', { class: 'live-none' }, `Nothing found for “${q}”.`));
      else if (page.next_cursor) {
        list.append(h('li', {}, h('a', { href: `/search?q=${encodeURIComponent(q)}`, class: 'live-all' },
          `All results for “${q}”`)));
      }
      count.textContent = page.items.length
        ? `${page.items.length}${page.next_cursor ? ' or more' : ''} results; press the down arrow to browse them`
        : 'No results';
      panel.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    } catch (e) {
      if (e.name === 'AbortError') return;
      list.replaceChildren(h('li', { class: 'live-none error' }, e.message));
      panel.hidden = false;
    }
  }
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, SEARCH_DEBOUNCE_MS);
  });
  input.addEventListener('focus', () => { if (list.childElementCount && input.value.trim()) panel.hidden = false; });
  // Arrow keys move between the input and the results; Escape closes them.
  form.addEventListener('keydown', (e) => {
    const links = [...panel.querySelectorAll('a')];
    const i = links.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && !panel.hidden && links.length) {
      e.preventDefault();
      links[Math.min(i + 1, links.length - 1)].focus();
    } else if (e.key === 'ArrowUp' && i >= 0) {
      e.preventDefault();
      (i === 0 ? input : links[i - 1]).focus();
    } else if (e.key === 'Escape') {
      close();
      input.focus();
    }
  });
  document.addEventListener('click', (e) => { if (!form.contains(e.target)) close(); });
  const q = new URLSearchParams(location.search).get('q');
  if (location.pathname === '/search' && q) input.value = q;
}

function notificationText(n) {
  const title = n.title ? `“${n.title}”` : 'your video';
  switch (n.type) {
    case 'welcome': return 'Welcome to reel! Upload a video or find channels to follow.';
    case 'new_video': return `${n.channel} published ${title}`;
    case 'video_ready': return `Your video ${title} is ready to watch`;
    case 'video_failed': return `Your video ${title} could not be processed: ${n.reason || 'unknown reason'}`;
    case 'new_comment': return `${n.author} commented on ${title}`;
    case 'comment_reply': return `${n.author} replied to your comment on ${title}`;
    case 'new_subscriber': return `${n.subscriber} subscribed to your channel`;
    default: return n.type;
  }
}

function mountBell(nav) {
  const badge = h('span', { class: 'badge', hidden: true });
  const button = h('button', { type: 'button', class: 'icon-button', id: 'bell',
                               'aria-expanded': 'false', 'aria-controls': 'notifications',
                               'aria-label': 'Notifications' }, icon(BELL), badge);
  const list = h('ul', { class: 'notif-list' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const readAll = h('button', { type: 'button', class: 'link-button' }, 'Mark all as read');
  const panel = h('section', { id: 'notifications', class: 'popover', hidden: true,
                               'aria-labelledby': 'notifications-h' },
    h('div', { class: 'popover-head' }, h('h2', { id: 'notifications-h' }, 'Notifications'), readAll),
    status, list);
  const wrap = h('div', { class: 'bell' }, button, panel);
  nav.append(wrap);

  function showCount(n) {
    badge.hidden = n === 0;
    badge.textContent = n > 99 ? '99+' : String(n);
    button.setAttribute('aria-label', n ? `Notifications, ${n} unread` : 'Notifications');
  }
  async function markRead(ids) {
    try {
      await api('/api/v1/notifications/read', { method: 'POST', body: ids ? { ids } : { all: true } });
    } catch (e) {
      say(status, e.message, 'error');
    }
  }
  async function refresh(render) {
    try {
      const page = await api('/api/v1/notifications?limit=20');
      showCount(page.unread_count);
      if (!render) return;
      say(status, page.items.length ? '' : 'Nothing yet.');
      list.replaceChildren(...page.items.map((n) => {
        const text = notificationText(n);
        const href = n.video_id ? `/watch/${encodeURIComponent(n.video_id)}`
          : n.subscriber ? `/channel/${encodeURIComponent(n.subscriber)}` : null;
        const body = href
          ? h('a', { href, onclick: () => { if (!n.read) markRead([n.id]); } }, text)
          : h('span', {}, text);
        return h('li', { class: n.read ? 'read' : 'unread' },
          n.read ? null : h('span', { class: 'sr-only' }, 'Unread: '),
          body, ' ', timeElement(n.created_at));
      }));
    } catch (e) {
      if (render) say(status, e.message, 'error');
    }
  }
  function setOpen(open) {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) refresh(true);
  }
  button.addEventListener('click', () => setOpen(panel.hidden));
  readAll.addEventListener('click', async () => { await markRead(null); refresh(true); });
  wrap.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) { setOpen(false); button.focus(); }
  });
  document.addEventListener('click', (e) => { if (!wrap.contains(e.target)) setOpen(false); });
  refresh(false);
  setInterval(() => { if (!document.hidden) refresh(!panel.hidden); }, NOTIFY_POLL_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(!panel.hidden); });
}

function mountAccount(nav, s) {
  if (!s) {
    nav.append(h('a', { class: 'button', href: loginHref() }, 'Log in'));
    return;
  }
  const logout = h('button', { type: 'button', class: 'link-button' }, 'Log out');
  logout.addEventListener('click', async () => {
    try {
      await api('/api/v1/sessions/current', { method: 'DELETE' });
    } catch {
      /* an expired token is as good as logged out */
    }
    clearSession();
    location.assign('/');
  });
  nav.append(h('a', { class: 'me', href: `/channel/${encodeURIComponent(s.username)}`,
                      'aria-label': `Your channel (${s.username})` }, s.username), logout);
}

export function mountShell() {
  const top = document.getElementById('top');
  if (!top || top.dataset.mounted) return;
  top.dataset.mounted = '1';
  const s = session();
  const form = h('form', { class: 'search', role: 'search', action: '/search', method: 'get' },
    h('label', { for: 'q', class: 'sr-only' }, 'Search videos'),
    h('input', { id: 'q', name: 'q', type: 'search', placeholder: 'Search', maxlength: 500,
                 enterkeyhint: 'search' }),
    h('button', { type: 'submit', class: 'search-go' }, 'Search'));
  const nav = h('nav', { class: 'account', 'aria-label': 'Account' });
  nav.append(h('a', { class: 'button primary', href: s ? '/upload' : `/login?next=${encodeURIComponent('/upload')}` },
    'Upload'));
  if (s) mountBell(nav);
  mountAccount(nav, s);
  top.replaceChildren(h('a', { class: 'brand', href: '/', 'aria-label': 'reel home' }, 'reel'), form, nav);
  mountSearch(form);
}

mountShell();
