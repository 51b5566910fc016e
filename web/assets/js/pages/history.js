/**
 * "Riwayat Keputusan", the operator's history of decisions (operator and admin accounts): every
 * request approved or rejected, newest first, 20 a page (GET /api/operator/history), with the
 * holder, the certificate's serial, kind, status ("Success" / "Rejected", PROCESS.md's names),
 * who decided and when. Searchable by holder (name or login) or serial, kind, status and a
 * date range (the browser's local days, sent as Unix seconds). The search is kept in the
 * address's query (`?q=&kind=&status=&from=&to=&page=`), so a result can be bookmarked and the
 * browser's Back goes to the previous search.
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate } from '../i18n.js';
import { get } from '../api.js';
import { $, h, showError, showStatus } from '../dom.js';

addStrings({
  'title.history': ['Riwayat Keputusan – kunci AMS', 'Decision history – kunci AMS'],
  'hist.h1': ['Riwayat Keputusan', 'Riwayat Keputusan (decision history)'],
  'hist.intro': ['Setiap permohonan yang sudah disetujui atau ditolak, yang terbaru di atas: pemohon, nomor seri, jenis, status, siapa yang memutuskan dan kapan.',
                 'Every request approved or rejected, newest first: holder, serial, kind, status, who decided and when.'],
  'hist.search.h': ['Cari', 'Search'],
  'reqs.id': ['No.', 'No.'],
  'reqs.kind': ['Jenis', 'Kind'],
  'op.holder': ['Pemohon', 'Holder'],
  'hist.q': ['Pemohon (nama atau login) atau nomor seri', 'Holder (name or login) or serial'],
  'hist.any': ['Semua', 'Any'],
  'hist.status': ['Status', 'Status'],
  'hist.from': ['Dari tanggal', 'From date'],
  'hist.to': ['Sampai tanggal', 'To date'],
  'hist.submit': ['Cari', 'Search'],
  'hist.caption': ['Keputusan, yang terbaru di atas', 'Decisions, newest first'],
  'hist.serial': ['Nomor seri', 'Serial'],
  'hist.by': ['Diputuskan oleh', 'Decided by'],
  'hist.at': ['Waktu', 'Time'],
  'hist.empty': ['Tidak ada keputusan yang cocok.', 'No decision matches.'],
  'hist.found': ['{total} keputusan ditemukan.', '{total} decisions found.'],
  'hist.page': ['Halaman {page} dari {pages}', 'Page {page} of {pages}'],
  'hist.pager': ['Halaman hasil', 'Result pages'],
  'hist.prev': ['← Sebelumnya', '← Previous'],
  'hist.next': ['Berikutnya →', 'Next →'],
  'hist.system': ['sistem (otomatis)', 'the system (automatic)'],
  'hist.reason': ['Alasan: {r}', 'Reason: {r}'],
  'hist.fix.document': ['Perbaikan: dokumen baru, permohonan yang sama', 'To fix: a new document, same request'],
  'hist.fix.new_key': ['Perbaikan: permohonan baru dengan kunci baru', 'To fix: a new request with a new key'],
  'hist.bad_dates': ['Tanggal awal harus sebelum tanggal akhir.', 'The start date must be before the end date.'],
});

await initLayout({ active: 'history' });

let result = null;
let search = readAddress();
fill(search);
await load();
onLangChange(render);

/** The search in the address's query. */
function readAddress() {
  const p = new URLSearchParams(location.search);
  const page = Number(p.get('page'));
  return {
    q: p.get('q') || '',
    kind: p.get('kind') || '',
    status: p.get('status') || '',
    from: p.get('from') || '',
    to: p.get('to') || '',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function fill(s) {
  $('hist-q').value = s.q;
  $('hist-kind').value = s.kind;
  $('hist-status').value = s.status;
  $('hist-from').value = s.from;
  $('hist-to').value = s.to;
}

/** A local date (YYYY-MM-DD) as Unix seconds at that day's local midnight, `days` later. */
function localDay(date, days = 0) {
  const [y, m, d] = date.split('-').map(Number);
  return Math.floor(new Date(y, m - 1, d + days).getTime() / 1000);
}

async function load() {
  showError('error', null);
  const query = new URLSearchParams();
  if (search.q) query.set('q', search.q);
  if (search.kind) query.set('kind', search.kind);
  if (search.status) query.set('status', search.status);
  if (search.from) query.set('from', String(localDay(search.from)));
  // "Until" includes the whole day chosen.
  if (search.to) query.set('to', String(localDay(search.to, 1)));
  query.set('page', String(search.page));
  try {
    result = await get(`/api/operator/history?${query}`);
  } catch (e) {
    result = null;
    showError('error', e);
  }
  render();
}

function render() {
  const body = $('history-body');
  if (!result) {
    body.replaceChildren();
    $('pager').hidden = true;
    return;
  }
  showStatus('status', t('hist.found', { total: result.total }));
  if (!result.decisions.length) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, t('hist.empty'))));
  } else {
    body.replaceChildren(...result.decisions.map((d) => h('tr', { id: `history-row-${d.request_id}` },
      h('td', {}, String(d.request_id)),
      h('td', {}, `${d.holder.name} (${d.holder.login})`),
      h('td', {}, t(`kind.${d.kind}`)),
      h('td', {}, d.status === 'success' ? t('status.Success') : t('status.Rejected'),
        d.reject_reason ? h('div', { class: 'hint' }, t('hist.reason', { r: d.reject_reason })) : null,
        d.reject_fix ? h('div', { class: 'hint' }, t(`hist.fix.${d.reject_fix}`)) : null),
      h('td', {}, d.serial ? h('code', {}, d.serial) : t('none')),
      h('td', {}, d.decided_by ? `${d.decided_by.name} (${d.decided_by.login})` : t('hist.system')),
      h('td', {}, formatDate(d.decided_at, true)),
    )));
  }
  const pages = Math.max(result.pages, 1);
  $('pager').hidden = pages <= 1;
  $('hist-page').textContent = t('hist.page', { page: result.page, pages });
  $('hist-prev').disabled = result.page <= 1;
  $('hist-next').disabled = result.page >= pages;
}

function go(next) {
  search = next;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(search)) {
    if (v && !(k === 'page' && v === 1)) query.set(k, String(v));
  }
  const text = query.toString();
  history.pushState(null, '', text ? `?${text}` : location.pathname);
  load();
}

$('history-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const next = {
    q: $('hist-q').value.trim(),
    kind: $('hist-kind').value,
    status: $('hist-status').value,
    from: $('hist-from').value,
    to: $('hist-to').value,
    page: 1,
  };
  if (next.from && next.to && next.from > next.to) {
    showError('error', t('hist.bad_dates'));
    $('hist-from').focus();
    return;
  }
  go(next);
});
$('hist-prev').addEventListener('click', () => go({ ...search, page: search.page - 1 }));
$('hist-next').addEventListener('click', () => go({ ...search, page: search.page + 1 }));
window.addEventListener('popstate', () => {
  search = readAddress();
  fill(search);
  load();
});
