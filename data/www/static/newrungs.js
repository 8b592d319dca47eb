// A player that started while only the first chunk was done was offered
// its low rungs only (media.first_chunk_max_height); the others are
// offered once the second chunk is done. hls.js reads the master playlist
// once, so the page that plays the video (the watch page, the embed
// player) asks again on each poll of the video while it is processing:
// when the master playlist names more variants than the player read, it is
// loaded again, once, where the viewer is, and plays on if it was playing.
//
// followNewRungs(hls, video, src, player, onReload) returns the check to
// call on each poll; player (window.reelPlayer) gets reloads (0 or 1) and
// reloadedAt (the position of the reload); onReload(playOn), when given,
// is called just before (playOn: it will play on).
export function followNewRungs(hls, video, src, player, onReload = null) {
  let variantsRead = 0;
  let checking = false;
  player.reloads = 0;
  player.reloadedAt = null;
  hls.on(window.Hls.Events.MANIFEST_LOADED, (_, data) => { variantsRead = data.levels.length; });

  return async function check() {
    if (player.reloads > 0 || checking || !variantsRead) return;
    checking = true;
    try {
      const r = await fetch(src, { cache: 'no-cache' });
      const variants = r.ok ? ((await r.text()).match(/^#EXT-X-STREAM-INF:/gm) || []).length : 0;
      if (variants <= variantsRead) return;
    } catch (e) {
      return; // the next poll asks again
    } finally {
      checking = false;
    }
    player.reloads++;
    player.reloadedAt = video.currentTime;
    const playOn = !video.paused;
    if (onReload) onReload(playOn);
    hls.config.startPosition = video.currentTime;
    hls.once(window.Hls.Events.MANIFEST_PARSED, () => {
      if (playOn) video.play().catch(() => {});
    });
    hls.loadSource(src);
  };
}
