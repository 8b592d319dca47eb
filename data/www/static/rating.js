// Like and dislike buttons with their counts, on the watch page. One rating
// per user per video: pressing the pressed button withdraws it, pressing the
// other changes it (PUT /api/v1/videos/{id}/rating, answered once the counts
// include it, so the counts shown are the server's). Anonymous viewers see
// the counts and a login link instead of working buttons.
import { api, loginHref, say, session } from './app.js';

export function mountRating(videoId, { like, dislike, likes, dislikes, status }) {
  const path = `/api/v1/videos/${encodeURIComponent(videoId)}/rating`;
  let mine = 'none';

  function show(r) {
    mine = r.rating;
    likes.textContent = r.likes.toLocaleString('en');
    dislikes.textContent = r.dislikes.toLocaleString('en');
    like.setAttribute('aria-pressed', String(mine === 'like'));
    dislike.setAttribute('aria-pressed', String(mine === 'dislike'));
  }

  async function refresh() {
    try {
      show(await api(path, { auth: !!session() }));
    } catch (e) {
      say(status, e.message, 'error');
    }
  }

  async function rate(choice) {
    if (!session()) {
      window.location.href = loginHref();
      return;
    }
    like.disabled = dislike.disabled = true;
    try {
      await api(path, { method: 'PUT', body: { rating: mine === choice ? 'none' : choice } });
      await refresh();
      say(status, '');
    } catch (e) {
      say(status, e.message, 'error');
    } finally {
      like.disabled = dislike.disabled = false;
    }
  }

  like.onclick = () => rate('like');
  dislike.onclick = () => rate('dislike');
  refresh();
}
