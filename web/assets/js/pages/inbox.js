/**
 * "Kotak Masuk": the holder's notices (GET /api/notices), newest as the server sends them,
 * each with a button that marks it read (POST /api/notices/{id}/read) and updates the
 * unread count in the menu. The server answers each notice in the account's language; after
 * the language toggle (which saves the choice first) the list is read again.
 */

import { initLayout, setUnread, languageSaved } from '../layout.js';
import { addStrings, t, onLangChange, formatDate } from '../i18n.js';
import { get, post } from '../api.js';
import { $, h, showError, showStatus, focusHeading } from '../dom.js';

addStrings({
  'title.inbox': ['Kotak Masuk – kunci AMS', 'Inbox – kunci AMS'],
  'inbox.h1': ['Kotak Masuk', 'Kotak Masuk (inbox)'],
  'inbox.empty': ['Tidak ada pesan.', 'No messages.'],
  'inbox.unread': ['Belum dibaca', 'Unread'],
  'inbox.mark': ['Tandai sudah dibaca', 'Mark as read'],
  'inbox.marked': ['Pesan ditandai sudah dibaca.', 'Message marked as read.'],
});

await initLayout({ active: 'inbox' });
let notices = [];
await load();
render();
onLangChange(async () => {
  render();
  // Then the server's texts in the language just saved to the account.
  await languageSaved();
  await load();
  render();
});

async function load() {
  try {
    notices = (await get('/api/notices')).notices || [];
  } catch (e) {
    showError('error', e);
  }
}

function render() {
  const list = $('notices');
  if (!notices.length) {
    list.replaceChildren(h('li', {}, t('inbox.empty')));
    return;
  }
  list.replaceChildren(...notices.map((n) => h('li', { class: n.read ? '' : 'unread', id: `notice-${n.id}` },
    h('h2', {}, n.subject),
    h('p', { class: 'hint' }, formatDate(n.created_at, true), n.read ? '' : ` · ${t('inbox.unread')}`),
    h('p', { class: 'notice-body' }, n.body),
    n.read ? null : h('button', {
      type: 'button', class: 'small secondary', id: `read-${n.id}`, 'aria-describedby': `notice-${n.id}-subject`,
      on: { click: () => markRead(n.id) },
    }, t('inbox.mark')),
  )));
  for (const n of notices) {
    const heading = $(`notice-${n.id}`)?.querySelector('h2');
    if (heading) heading.id = `notice-${n.id}-subject`;
  }
}

async function markRead(id) {
  showError('error', null);
  try {
    await post(`/api/notices/${id}/read`);
    notices = notices.map((n) => (n.id === id ? { ...n, read: true } : n));
    render();
    setUnread(notices.filter((n) => !n.read).length);
    showStatus('status', t('inbox.marked'));
    focusHeading(`notice-${id}-subject`);
  } catch (e) {
    showError('error', e);
  }
}
