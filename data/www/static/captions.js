// Captions on the watch page (issue 14): a menu of the video's tracks
// (Off, or one language) that turns hls.js's subtitle track on, or the
// browser's own text track where it plays HLS itself; and for the owner,
// a form that uploads a WebVTT or SRT file for a language
// (PUT /api/v1/videos/{id}/captions/{lang}) and says what was wrong with a
// refused file (its line).
import { h, say, session } from './app.js';

const OFF = '';

function languageName(lang) {
  try {
    return new Intl.DisplayNames([navigator.language || 'en'], { type: 'language' }).of(lang) || lang;
  } catch {
    return lang;
  }
}

// Shows the track in lang (OFF: none).
function select(video, lang) {
  const hls = window.reelPlayer && window.reelPlayer.hls;
  if (hls) {
    const idx = lang === OFF ? -1 : hls.subtitleTracks.findIndex((t) => t.lang === lang);
    hls.subtitleDisplay = idx >= 0;
    hls.subtitleTrack = idx;
  }
  for (const track of video.textTracks) {
    if (track.kind !== 'subtitles' && track.kind !== 'captions') continue;
    track.mode = lang !== OFF && track.language === lang ? 'showing' : 'disabled';
  }
}

let shown = '';

// Fills the menu from meta.captions; keeps the choice across polls.
export function showCaptionsMenu(video, meta) {
  const menu = document.getElementById('captions-menu');
  const label = document.getElementById('captions-label');
  const tracks = meta.captions || [];
  const key = tracks.map((t) => t.lang).join(',');
  if (key === shown) return;
  shown = key;
  const chosen = menu.value;
  menu.replaceChildren(h('option', { value: OFF }, 'Off'),
    ...tracks.map((t) => h('option', { value: t.lang }, languageName(t.lang))));
  menu.value = tracks.some((t) => t.lang === chosen) ? chosen : OFF;
  menu.hidden = label.hidden = tracks.length === 0;
  menu.onchange = () => select(video, menu.value);
  // hls.js learns the tracks from the master playlist; a choice made
  // before that applies once it has.
  const hls = window.reelPlayer && window.reelPlayer.hls;
  if (hls && window.Hls) {
    hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, () => select(video, menu.value));
  }
  window.reelPlayer.captions = tracks.map((t) => t.lang);
}

// The page loads again after an upload: the player learns the tracks from
// the master playlist, which it reads once. What to say then:
const SAVED_KEY = 'reel.captionsSaved';

// The owner's upload form, under the owner tools.
export function mountCaptionsUpload(section, meta) {
  const me = session();
  if (!me || me.username !== meta.owner || section.dataset.mounted) return;
  section.dataset.mounted = '1';
  const lang = h('input', { id: 'captions-lang', name: 'lang', required: true, maxlength: '35',
    placeholder: 'en', pattern: '[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}', size: '6' });
  const file = h('input', { id: 'captions-file', type: 'file', required: true,
    accept: '.vtt,.srt,text/vtt,application/x-subrip' });
  const button = h('button', { type: 'submit' }, 'Upload captions');
  const status = h('p', { id: 'captions-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { id: 'captions-form', class: 'captions-form' },
    h('h2', { id: 'captions-h' }, 'Captions'),
    h('label', { for: 'captions-lang' }, 'Language (en, fr, pt-BR…)'), lang,
    h('label', { for: 'captions-file' }, 'WebVTT or SRT file'), file, button, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    button.disabled = true;
    say(status, 'Uploading…');
    try {
      const r = await fetch(`/api/v1/videos/${encodeURIComponent(meta.id)}/captions/${encodeURIComponent(lang.value)}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${me.token}`,
          'Content-Type': f.name.toLowerCase().endsWith('.srt') ? 'application/x-subrip' : 'text/vtt' },
        body: f,
      });
      if (!r.ok) {
        let message = `The upload failed (${r.status}).`;
        try {
          message = (await r.json()).error.message || message;
        } catch { /* not JSON */ }
        throw new Error(message);
      }
      sessionStorage.setItem(SAVED_KEY, `Captions in ${languageName(lang.value)} are up.`);
      window.location.reload();
    } catch (err) {
      say(status, err.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
  section.replaceChildren(form);
  section.hidden = false;
  const saved = sessionStorage.getItem(SAVED_KEY);
  if (saved) {
    sessionStorage.removeItem(SAVED_KEY);
    say(status, saved, 'ok');
  }
}
