// Plays a DASH manifest with dash.js (npm: dashjs) in Debian's Chromium
// (headless, via playwright-core), in the video AdaptationSet whose codecs
// start with CODEC, and reports as one JSON line what played.
//
//   node dash.mjs MPD_URL CODEC TIMEOUT_SECONDS
//
// The page is about:blank with dash.js added from node_modules: the
// manifest and segments come from reeld on another origin (its media allow
// any origin). ABR stays on, inside the chosen set: the player must reach
// 2 s of playback with a picture, and say which representation it played.
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [mpd, codec, timeoutArg] = process.argv.slice(2);
const T = Number(timeoutArg) * 1000;
const PAST_S = 2;
const here = path.dirname(fileURLToPath(import.meta.url));
const dashjs = path.join(here, '..', '..', 'node_modules', 'dashjs', 'dist', 'modern', 'umd',
                         'dash.all.min.js');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const result = { ok: false, consoleErrors: [] };
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(T);
  page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => result.consoleErrors.push(String(e)));
  await page.setContent('<video id="video" muted playsinline width="640" height="360"></video>');
  await page.addScriptTag({ path: dashjs });
  result.canPlay = await page.evaluate(
    (c) => MediaSource.isTypeSupported(`video/mp4; codecs="${c}"`), codec === 'vp09' ? 'vp09.00.10.08' : 'avc1.64001f');
  await page.evaluate(([url, want]) => {
    const video = document.getElementById('video');
    const player = dashjs.MediaPlayer().create();
    const state = { errors: [], tracks: [], chosen: null };
    window.dashState = state;
    window.dashPlayer = player;
    player.on(dashjs.MediaPlayer.events.ERROR, (e) => {
      state.errors.push(JSON.stringify(e.error || e));
    });
    player.on(dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => {
      const tracks = player.getTracksFor('video');
      state.tracks = tracks.map((t) => t.codec);
      const track = tracks.find((t) => String(t.codec).includes(want));
      if (track) {
        state.chosen = track.codec;
        player.setCurrentTrack(track);
      }
    });
    player.initialize(video, url, true);
  }, [mpd, codec]);
  await page.waitForFunction(
    (t) => document.getElementById('video').currentTime > t && window.dashState.chosen !== null,
    PAST_S, { polling: 100 });
  Object.assign(result, await page.evaluate(() => {
    const v = document.getElementById('video');
    const p = window.dashPlayer;
    const track = p.getCurrentTrackFor('video');
    const rep = p.getCurrentRepresentationForType ? p.getCurrentRepresentationForType('video') : null;
    const q = v.getVideoPlaybackQuality();
    return {
      tracks: window.dashState.tracks,
      chosen: window.dashState.chosen,
      playingCodec: track ? track.codec : null,
      representation: rep ? rep.id : null,
      currentTime: v.currentTime,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      framesDecoded: q.totalVideoFrames,
      mediaError: v.error ? v.error.code : null,
      playerErrors: window.dashState.errors,
    };
  }));
  result.ok = true;
} catch (e) {
  result.error = String(e);
  try {
    result.state = await browser.contexts()[0].pages()[0].evaluate(() => window.dashState);
  } catch (e2) { /* the page is gone */ }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
