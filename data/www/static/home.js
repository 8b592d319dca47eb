// Home: the subscription feed (when logged in), then every channel's
// latest videos (GET /api/v1/feed, GET /api/v1/videos).
import { api, h, pagedGrid, session } from './app.js';

const PAGE = 12;

function pageQuery(cursor) {
  return `limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
}

if (session()) {
  const feed = document.getElementById('feed');
  feed.hidden = false;
  pagedGrid(feed, (c) => api(`/api/v1/feed?${pageQuery(c)}`), {
    empty: 'Nothing here yet: subscribe to channels and their new videos show up here.',
  });
} else {
  document.getElementById('latest').before(h('div', { class: 'hero' },
    h('h1', {}, 'Watch, upload and share videos'),
    h('p', {}, 'Log in to upload your own and to follow channels.')));
}
pagedGrid(document.getElementById('latest'), (c) => api(`/api/v1/videos?${pageQuery(c)}`, { auth: false }), {
  empty: 'No videos yet. Be the first to upload one!',
});
