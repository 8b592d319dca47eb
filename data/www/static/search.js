// Search results (/search?q=): GET /api/v1/search, highlights from the
// server (title_html, snippet_html) through safeMarkup, paged with "More".
import { api, h, pagedGrid, safeMarkup, videoCard } from './app.js';

const q = (new URLSearchParams(location.search).get('q') || '').trim();
const heading = document.getElementById('heading');
const results = document.getElementById('results');

function result(v) {
  const card = videoCard(v, { titleNode: safeMarkup(v.title_html) });
  card.classList.add('result');
  const body = card.querySelector('.card-body');
  if (v.snippet_html) body.append(h('p', { class: 'snippet' }, safeMarkup(v.snippet_html)));
  return card;
}

if (!q) {
  heading.textContent = 'Search';
  results.append(h('p', { class: 'status' }, 'Type what you are looking for in the search box above.'));
} else {
  heading.textContent = `Results for “${q}”`;
  document.title = `${q} · Search · reel`;
  pagedGrid(results, (cursor) => api(`/api/v1/search?q=${encodeURIComponent(q)}&limit=20${
    cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { auth: false }),
  { empty: `Nothing found for “${q}”. Try fewer or other words.`, card: result });
  results.querySelector('ul').className = 'results';
}
