/**
 * "Dasbor" (docs/PROCESS.md step 2): a greeting, counts of certificates, requests in progress and
 * unread notices, links to the next steps, and reminders for certificates that end within
 * 30 days (or have ended). Reads GET /api/certificates, /api/requests and /api/notices.
 */

import { initLayout, isStaff, languageSaved } from '../layout.js';
import { addStrings, t, onLangChange, formatDate } from '../i18n.js';
import { get } from '../api.js';
import { $, h, showError } from '../dom.js';
import { fixText, fixLink } from '../rejection.js';

addStrings({
  'title.dashboard': ['Dasbor – kunci AMS', 'Dashboard – kunci AMS'],
  'dash.h1': ['Dasbor', 'Dasbor (Dashboard)'],
  'dash.hello': ['Selamat datang, {name}.', 'Welcome, {name}.'],
  'dash.reminders': ['Pengingat', 'Reminders'],
  'dash.summary': ['Ringkasan', 'Summary'],
  'dash.links': ['Apa yang ingin Anda lakukan?', 'What would you like to do?'],
  'dash.count.good': ['Sertifikat berlaku', 'Valid certificates'],
  'dash.count.soon': ['Berakhir dalam 30 hari', 'Ending within 30 days'],
  'dash.count.open': ['Permohonan dalam proses', 'Requests in progress'],
  'dash.count.unread': ['Pesan belum dibaca', 'Unread messages'],
  'dash.soon': ['Sertifikat {serial} ({product}) berakhir pada {date}. Perpanjang sekarang agar tidak ada jeda.',
                'Certificate {serial} ({product}) ends on {date}. Renew now so there is no gap.'],
  'dash.ended': ['Sertifikat {serial} ({product}) sudah berakhir pada {date}.',
                 'Certificate {serial} ({product}) ended on {date}.'],
  'dash.renew': ['Perpanjang', 'Renew'],
  'dash.notice.one': ['1 pesan baru di Kotak Masuk: {subject}', '1 new message in your inbox: {subject}'],
  'dash.notice.many': ['{n} pesan baru di Kotak Masuk; yang terbaru: {subject}', '{n} new messages in your inbox; the newest: {subject}'],
  'dash.rejected': ['Permohonan #{id} ({product}) ditolak.', 'Request #{id} ({product}) was rejected.'],
  'dash.link.certs': ['Lihat dan unduh sertifikat Anda', 'See and download your certificates'],
  'dash.link.new': ['Ajukan permohonan sertifikat baru', 'Request a new certificate'],
  'dash.link.requests': ['Periksa status permohonan', 'Check the status of your requests'],
  'dash.link.inbox': ['Baca pesan di Kotak Masuk', 'Read the messages in your inbox'],
  'dash.link.queue': ['Antrian permohonan (operator)', 'Request queue (operator)'],
});

const me = await initLayout({ active: 'dashboard' });
const DAY = 86400;
let data = { certificates: [], requests: [], notices: [] };

try {
  const [c, r, n] = await Promise.all([get('/api/certificates'), get('/api/requests'), get('/api/notices')]);
  data = { certificates: c.certificates || [], requests: r.requests || [], notices: n.notices || [] };
} catch (e) {
  showError('error', e);
}
render();
// The inbox's texts come from the server in the account's language: read them again.
onLangChange(async () => {
  render();
  await languageSaved();
  try {
    data.notices = (await get('/api/notices')).notices || [];
  } catch (e) {
    showError('error', e);
  }
  render();
});

function render() {
  $('welcome').textContent = t('dash.hello', { name: me.name || me.login });
  const now = Date.now() / 1000;
  const good = data.certificates.filter((c) => c.status === 'good');
  const soon = good.filter((c) => c.not_after - now < 30 * DAY);
  const open = data.requests.filter((r) => ['pending', 'uploaded', 'submitted'].includes(r.status));
  const unread = data.notices.filter((n) => !n.read);

  const card = (num, key, href) =>
    h('div', { class: 'card' }, h('span', { class: 'num' }, String(num)), h('a', { href }, t(key)));
  $('cards').replaceChildren(
    card(good.length, 'dash.count.good', '/certificates.html'),
    card(soon.length, 'dash.count.soon', '/certificates.html'),
    card(open.length, 'dash.count.open', '/requests.html'),
    card(unread.length, 'dash.count.unread', '/inbox.html'),
  );

  const reminders = [];
  for (const c of soon) {
    const ended = c.not_after <= now;
    reminders.push(
      h('p', { class: 'notice warn' },
        t(ended ? 'dash.ended' : 'dash.soon', { serial: c.serial, product: c.product || '', date: formatDate(c.not_after) }),
        ' ',
        ended ? null : h('a', { href: `/permohonan-baru.html?renews=${c.id}` }, t('dash.renew'))),
    );
  }
  // Rejected enrollments that can still lead somewhere: the latest decision of each.
  const rejected = data.requests.filter((r) => r.kind === 'enrollment' && r.status === 'rejected' && r.updated_at > now - 30 * DAY);
  for (const r of rejected.slice(0, 3)) {
    reminders.push(
      h('p', { class: 'notice warn', id: `dash-rejected-${r.id}` },
        t('dash.rejected', { id: r.id, product: r.product || '' }),
        r.reject_reason ? ` ${t('reject.reason', { r: r.reject_reason })}` : '',
        ` ${fixText(r)} `,
        fixLink(r, { class: null, id: `dash-fix-${r.id}` })),
    );
  }
  // One line for all unread messages (the newest's own subject, and how many), never a row of
  // identical links.
  if (unread.length) {
    const key = unread.length === 1 ? 'dash.notice.one' : 'dash.notice.many';
    reminders.push(h('p', { class: 'notice', id: 'unread-notices' },
      h('a', { href: `/inbox.html#notice-${unread[0].id}` }, t(key, { n: unread.length, subject: unread[0].subject }))));
  }
  $('reminders').replaceChildren(...reminders);
  $('reminders-section').hidden = reminders.length === 0;

  const links = [
    ['/certificates.html', 'dash.link.certs'],
    ['/permohonan-baru.html', 'dash.link.new'],
    ['/requests.html', 'dash.link.requests'],
    ['/inbox.html', 'dash.link.inbox'],
  ];
  if (isStaff(me)) links.push(['/operator.html', 'dash.link.queue']);
  $('links').replaceChildren(...links.map(([href, key]) => h('li', {}, h('a', { href }, t(key)))));
}
