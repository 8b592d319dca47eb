// Comments of the watch page: threads one level deep (newest thread first,
// each followed by its replies, oldest first, as GET
// /api/v1/videos/{id}/comments?order=newest pages them), a form to post,
// reply, edit (the author) and delete (the author or the video's owner),
// and "More comments" for the next page.
import { api, h, loginHref, say, session, timeElement } from './app.js';

const PAGE = 20;

export function mountComments(section, videoId, owner) {
  const me = session();
  const base = `/api/v1/videos/${encodeURIComponent(videoId)}/comments`;
  const list = h('ul', { class: 'comments' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'More comments');
  const threads = new Map(); // thread id -> its <ul class="replies">
  let cursor = null;

  // A textarea with its label, a send and (optionally) a cancel button.
  function commentForm({ label, submitText, initial = '', onSubmit, onCancel }) {
    const id = `f-${Math.random().toString(36).slice(2, 10)}`;
    const text = h('textarea', { id, name: 'text', maxlength: 10000, required: true, rows: 3 });
    text.value = initial;
    const formStatus = h('p', { class: 'status', role: 'alert' });
    const send = h('button', { type: 'submit', class: 'primary' }, submitText);
    const form = h('form', { class: 'comment-form', novalidate: true },
      h('label', { for: id }, label), text, formStatus,
      h('div', { class: 'actions' },
        onCancel ? h('button', { type: 'button', onclick: onCancel }, 'Cancel') : null, send));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const value = text.value.trim();
      if (!value) {
        say(formStatus, 'Write something first.', 'error');
        text.focus();
        return;
      }
      send.disabled = true;
      say(formStatus, 'Sending…');
      try {
        await onSubmit(value);
        say(formStatus, '');
        text.value = '';
      } catch (err) {
        say(formStatus, err.message, 'error');
      }
      send.disabled = false;
    });
    form.textarea = text;
    return form;
  }

  function render(c) {
    const mine = me && me.username === c.author;
    const textEl = h('p', { class: 'comment-text' }, c.text);
    const edited = h('span', { class: 'edited', hidden: !c.edited_at }, '(edited)');
    const tools = h('div', { class: 'comment-tools' });
    const li = h('li', { class: 'comment', id: `comment-${c.id}`, 'data-id': c.id },
      h('div', { class: 'comment-head' },
        h('a', { href: `/channel/${encodeURIComponent(c.author)}` }, c.author),
        c.created_at ? timeElement(c.created_at) : h('time', {}, 'just now'), edited),
      textEl, tools);

    if (me) {
      tools.append(h('button', { type: 'button', class: 'reply',
        'aria-label': `Reply to ${c.author}`,
        onclick: () => {
          if (li.querySelector(':scope > .comment-form')) return;
          const form = commentForm({
            label: `Your reply to ${c.author}`, submitText: 'Reply',
            onSubmit: async (value) => {
              const posted = await api(base, { method: 'POST', body: { text: value, reply_to: c.id } });
              addReply(posted);
              form.remove();
              say(status, 'Reply posted.', 'ok');
            },
            onCancel: () => form.remove(),
          });
          tools.after(form);
          form.textarea.focus();
        } }, 'Reply'));
    }
    if (mine) {
      tools.append(h('button', { type: 'button', class: 'edit', 'aria-label': 'Edit your comment',
        onclick: () => {
          if (li.querySelector(':scope > .comment-form')) return;
          const form = commentForm({
            label: 'Change your comment', submitText: 'Save', initial: textEl.textContent,
            onSubmit: async (value) => {
              await api(`${base}/${encodeURIComponent(c.id)}`, { method: 'PATCH', body: { text: value } });
              textEl.textContent = value;
              edited.hidden = false;
              form.remove();
              textEl.hidden = false;
              say(status, 'Comment edited.', 'ok');
            },
            onCancel: () => { form.remove(); textEl.hidden = false; },
          });
          textEl.hidden = true;
          textEl.after(form);
          form.textarea.focus();
        } }, 'Edit'));
    }
    if (mine || (me && me.username === owner)) {
      const del = h('button', { type: 'button', class: 'delete', 'aria-label': `Delete the comment of ${c.author}` }, 'Delete');
      const sure = h('span', { class: 'confirm', hidden: true },
        'Delete this comment? ',
        h('button', { type: 'button', class: 'confirm-yes', onclick: async () => {
          try {
            await api(`${base}/${encodeURIComponent(c.id)}`, { method: 'DELETE' });
            li.remove();
            say(status, 'Comment deleted.', 'ok');
          } catch (err) {
            say(status, err.message, 'error');
          }
        } }, 'Yes, delete'),
        h('button', { type: 'button', onclick: () => { sure.hidden = true; del.hidden = false; del.focus(); } }, 'No'));
      del.addEventListener('click', () => {
        del.hidden = true;
        sure.hidden = false;
        sure.querySelector('button').focus();
      });
      tools.append(del, sure);
    }
    if (c.thread === c.id) {
      const replies = h('ul', { class: 'replies', 'aria-label': `Replies to ${c.author}` });
      threads.set(c.id, replies);
      li.append(replies);
    }
    return li;
  }

  function addReply(c) {
    const replies = threads.get(c.thread);
    (replies || list).append(render(c));
  }

  async function next() {
    more.disabled = true;
    try {
      // With the session: the comments of a private video are its
      // owner's and the moderators' to read.
      const page = await api(`${base}?order=newest&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const c of page.items) {
        if (c.thread === c.id) list.append(render(c));
        else addReply(c);
      }
      cursor = page.next_cursor;
      more.hidden = !cursor;
      say(status, list.childElementCount ? '' : 'No comments yet.');
    } catch (e) {
      say(status, e.message, 'error');
    }
    more.disabled = false;
  }
  more.addEventListener('click', next);

  section.replaceChildren(h('h2', { id: 'comments-h' }, 'Comments'));
  if (me) {
    const form = commentForm({
      label: 'Add a comment', submitText: 'Comment',
      onSubmit: async (value) => {
        const posted = await api(base, { method: 'POST', body: { text: value } });
        list.prepend(render(posted));
        say(status, 'Comment posted.', 'ok');
      },
    });
    form.id = 'new-comment';
    section.append(form);
  } else {
    section.append(h('p', {}, h('a', { href: loginHref() }, 'Log in to comment'), '.'));
  }
  section.append(status, list, more);
  return next();
}
