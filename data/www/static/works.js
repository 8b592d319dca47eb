// The protected works library on the admin page (issue 16): what uploads
// are matched against, with a form to register a reference clip
// (multipart: file, title, rights_holder) and a delete button per work.
import { api, h, say, session } from './app.js';

async function register(form, status, reload) {
  const s = session();
  const body = new FormData(form);
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  say(status, 'Uploading the reference clip…');
  try {
    const r = await fetch('/api/v1/admin/works', {
      method: 'POST',
      headers: s ? { Authorization: `Bearer ${s.token}` } : {},
      body,
    });
    const data = await r.json().catch(() => null);
    if (!r.ok) throw new Error((data && data.error && data.error.message) || `The request failed (${r.status}).`);
    form.reset();
    say(status, `Registered "${data.title}": it is matched once indexed.`, 'ok');
    await reload();
  } catch (err) {
    say(status, err.message, 'error');
  } finally {
    button.disabled = false;
  }
}

export function mountWorks(section) {
  const list = h('ul', { id: 'works-list', class: 'admin-list' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { id: 'work-add', class: 'work-add' },
    h('label', { for: 'work-file' }, 'Reference clip'),
    h('input', { id: 'work-file', name: 'file', type: 'file', accept: 'video/*,audio/*', required: true }),
    h('label', { for: 'work-title' }, 'Title'),
    h('input', { id: 'work-title', name: 'title', required: true, maxlength: '200' }),
    h('label', { for: 'work-holder' }, 'Rights holder'),
    h('input', { id: 'work-holder', name: 'rights_holder', required: true, maxlength: '200' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Register work')));

  async function reload() {
    try {
      const out = await api('/api/v1/admin/works');
      const works = out.works || [];
      list.replaceChildren(...works.map((w) => {
        const remove = h('button', { type: 'button', class: 'link-button' }, 'Delete');
        remove.addEventListener('click', async () => {
          remove.disabled = true;
          try {
            await api(`/api/v1/admin/works/${encodeURIComponent(w.id)}`, { method: 'DELETE' });
            await reload();
          } catch (err) {
            say(status, err.message, 'error');
            remove.disabled = false;
          }
        });
        return h('li', { class: 'work', 'data-work': w.id },
          h('strong', {}, w.title), ` (${w.rights_holder}) `,
          h('span', { class: 'hint' }, w.state), ' ', remove);
      }));
      if (!works.length) list.replaceChildren(h('li', { class: 'hint' }, 'No protected work is registered.'));
    } catch (err) {
      say(status, err.message, 'error');
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    register(form, status, reload);
  });
  section.append(list, form, status);
  return reload();
}
