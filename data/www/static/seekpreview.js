// Seek previews on the watch page: while the pointer is over the player's
// seek area (the bottom band of the video, where the native controls draw
// the timeline, which spans the video's width), a tile of the storyboard
// shows above it for the time under the pointer. The storyboard is a
// WebVTT thumbnails track whose cues name regions of one sprite sheet
// (`storyboard.jpg#xywh=x,y,w,h`, relative to the track): the same file
// video.js and Shaka read.

// The band at the bottom of the video that counts as the seek area: the
// native controls' timeline and buttons, with room for a finger's error.
const SEEK_BAND_PX = 72;

// "HH:MM:SS.mmm" or "MM:SS.mmm" in seconds.
function cueTime(text) {
  return text.trim().split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

// The cues of a thumbnails track: [{start, end, url, x, y, w, h}].
export function parseThumbnailTrack(text, trackUrl) {
  const cues = [];
  const blocks = text.replace(/\r/g, '').split(/\n\n+/);
  for (const block of blocks) {
    const lines = block.split('\n').filter(Boolean);
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0 || !lines[at + 1]) continue;
    const [from, to] = lines[at].split('-->');
    const [file, hash] = lines[at + 1].trim().split('#xywh=');
    if (!hash) continue;
    const [x, y, w, h] = hash.split(',').map(Number);
    cues.push({ start: cueTime(from), end: cueTime(to.split(' ').filter(Boolean)[0]),
      url: new URL(file, trackUrl).href, x, y, w, h });
  }
  return cues;
}

// Shows previews over player (the element around video) from the track at
// trackUrl. window.reelPlayer.storyboard holds the cues once loaded.
export async function mountSeekPreview(player, video, trackUrl) {
  const response = await fetch(trackUrl);
  if (!response.ok) return;
  const cues = parseThumbnailTrack(await response.text(), new URL(trackUrl, location.href).href);
  if (!cues.length) return;
  if (window.reelPlayer) window.reelPlayer.storyboard = cues;
  const preview = document.createElement('div');
  preview.className = 'seek-preview';
  preview.hidden = true;
  preview.setAttribute('aria-hidden', 'true');
  const label = document.createElement('span');
  label.className = 'seek-preview-time';
  preview.append(label);
  player.append(preview);

  const duration = () => (Number.isFinite(video.duration) && video.duration > 0
    ? video.duration : cues[cues.length - 1].end);

  player.addEventListener('mousemove', (e) => {
    const box = video.getBoundingClientRect();
    if (e.clientY < box.bottom - SEEK_BAND_PX || e.clientY > box.bottom || box.width <= 0) {
      preview.hidden = true;
      return;
    }
    const fraction = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
    const t = fraction * duration();
    const cue = cues.find((c) => t >= c.start && t < c.end) || cues[cues.length - 1];
    preview.style.width = `${cue.w}px`;
    preview.style.height = `${cue.h}px`;
    preview.style.backgroundImage = `url("${cue.url}")`;
    preview.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    const left = Math.min(box.width - cue.w, Math.max(0, e.clientX - box.left - cue.w / 2));
    preview.style.left = `${left}px`;
    preview.style.bottom = `${SEEK_BAND_PX}px`;
    preview.dataset.time = String(t);
    const m = Math.floor(t / 60);
    const s = Math.floor(t % 60);
    label.textContent = `${m}:${String(s).padStart(2, '0')}`;
    preview.hidden = false;
  });
  player.addEventListener('mouseleave', () => { preview.hidden = true; });
}
