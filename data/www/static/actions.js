// Viewer actions of the watch page (POST /api/v1/events, the ActionBatch
// of data/openapi.yaml; one schema per action in data/schemas/action.*.json):
// play (v2, with its trigger), pause, seek (with from), progress every
// PROGRESS_S while playing, ended, and quality_change with the new
// rendition. A session id is made per page load. Actions are queued and
// sent in batches, one batch at a time and in order (the server ignores
// an action older than the newest it applied for the session), every
// FLUSH_MS and at once on pause, end and seek; when the page is hidden
// or left, what is queued goes with navigator.sendBeacon, as text/plain
// with the token in the body (a beacon cannot set Authorization). The
// embed player reports the same actions, always anonymously.

const PROGRESS_S = 10;
const FLUSH_MS = 10000;
const BATCH_MAX = 100;

// 8 to 64 of [A-Za-z0-9_-], from crypto.getRandomValues (which, unlike
// crypto.randomUUID, also works on plain-HTTP sites that are not localhost).
function randomToken(bytes = 16) {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// video: the <video>; videoId; duration (s); rendition(): the name of the
// rendition playing now, or '' when unknown; session(): the viewer's
// {token} (app.js), or null: the actions are anonymous.
export function trackViewerActions(video, videoId, duration, rendition, session = () => null) {
  const sessionId = `w-${randomToken(12)}`;
  const queue = [];
  let sending = false;
  let again = false; // a flush was asked for while a batch was in flight
  let lastAt = 0;
  let lastPosition = 0; // the position before a seek (the last timeupdate)
  let lastProgress = -Infinity;
  let playing = false;
  // The player moving and restarting itself (a reload for new rungs,
  // newrungs.js), not the viewer: its seek, and its play when it plays on.
  let quietSeek = false;
  let quietPlay = false;
  let quietTimer = 0;

  const maxPos = Number.isFinite(duration) && duration > 0 ? duration : Infinity;
  function pos(t) {
    return Math.round(Math.min(Math.max(t || 0, 0), maxPos) * 1000) / 1000;
  }

  function push(action, extra = {}) {
    const at = Math.max(Date.now(), lastAt); // never backwards within a session
    lastAt = at;
    const e = { id: randomToken(), v: 1, video_id: videoId, session_id: sessionId, action,
                position: pos(video.currentTime), at, ...extra };
    const r = rendition();
    if (r && !e.rendition) e.rendition = r;
    queue.push(e);
    window.reelActions.sent.push(action);
  }

  function body(events, withToken) {
    const b = { events };
    const s = session();
    if (withToken && s) b.token = s.token;
    return JSON.stringify(b);
  }

  async function flush() {
    if (sending) {
      // One batch at a time: this one goes as soon as that one is done
      // (a pause, seek or end should not wait for the next interval).
      again = true;
      return;
    }
    if (!queue.length) return;
    sending = true;
    again = false;
    const events = queue.splice(0, BATCH_MAX);
    window.reelActions.posted.push(...events.map((e) => e.action));
    const s = session();
    try {
      let r = await fetch('/api/v1/events', {
        method: 'POST', keepalive: true,
        headers: { 'Content-Type': 'application/json', ...(s ? { Authorization: `Bearer ${s.token}` } : {}) },
        body: body(events, false),
      });
      if (r.status === 401) { // a stale token: count the watching anonymously
        r = await fetch('/api/v1/events', { method: 'POST', keepalive: true,
          headers: { 'Content-Type': 'application/json' }, body: body(events, false) });
      }
      if (r.ok) window.reelActions.batches++;
      else if (r.status >= 500) queue.unshift(...events); // try again with the next flush
    } catch {
      queue.unshift(...events); // offline: keep them for later
    }
    sending = false;
    if (queue.length >= BATCH_MAX || (again && queue.length)) flush();
  }

  function beacon() {
    if (!queue.length) return;
    const events = queue.splice(0, queue.length);
    const data = body(events, true);
    if (!(navigator.sendBeacon && navigator.sendBeacon('/api/v1/events', data))) {
      fetch('/api/v1/events', { method: 'POST', keepalive: true,
        headers: { 'Content-Type': 'text/plain' }, body: data }).catch(() => {});
    }
    window.reelActions.beacons++;
  }

  video.addEventListener('play', () => {
    playing = true;
    lastProgress = video.currentTime;
    if (quietPlay) {
      quietPlay = false;
      return;
    }
    push('play', { v: 2, trigger: 'user' });
  });
  video.addEventListener('pause', () => {
    if (!playing || video.ended) return;
    playing = false;
    push('pause');
    flush();
  });
  video.addEventListener('seeking', () => {
    lastProgress = video.currentTime;
    if (quietSeek) return;
    push('seek', { from: pos(lastPosition) });
    flush();
  });
  video.addEventListener('seeked', () => { quietSeek = false; });
  video.addEventListener('timeupdate', () => {
    if (!video.seeking) lastPosition = video.currentTime;
    if (playing && !video.paused && video.currentTime - lastProgress >= PROGRESS_S) {
      lastProgress = video.currentTime;
      push('progress');
    }
  });
  video.addEventListener('ended', () => {
    playing = false;
    push('ended');
    flush();
  });
  setInterval(flush, FLUSH_MS);
  window.addEventListener('pagehide', beacon);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') beacon(); });

  // sent: actions as queued; posted: as handed to a request (a test waits
  // on these to know what is no longer in the queue).
  window.reelActions = { sessionId, sent: [], posted: [], batches: 0, beacons: 0, flush };
  return {
    qualityChanged(name) {
      if (name) push('quality_change', { rendition: name });
    },
    // The player is about to go back to where it is by itself (playOn:
    // and play on): that seek and play are not the viewer's. Forgotten
    // after a while, should they not come.
    reloading(playOn) {
      quietSeek = true;
      quietPlay = playOn;
      clearTimeout(quietTimer);
      quietTimer = setTimeout(() => { quietSeek = false; quietPlay = false; }, 10000);
    },
    flush,
  };
}
