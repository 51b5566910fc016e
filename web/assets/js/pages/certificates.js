/**
 * "Sertifikat Anda" (docs/PROCESS.md steps 3-4 and 24a): the holder's certificates with serial
 * number, product, "Akhir Masa Berlaku" and status; at the far right of each row "Info"
 * (certificate.html) and "Download", which opens a small menu: the certificate as .pem
 * (GET /api/certificates/{id}/pem), its chain, and the in-browser .p12 page (download.html).
 */

import { initLayout } from '../layout.js';
import { addStrings, t, onLangChange, formatDate } from '../i18n.js';
import { get } from '../api.js';
import { $, h, showError } from '../dom.js';

addStrings({
  'title.certificates': ['Sertifikat Anda – kunci AMS', 'Your certificates – kunci AMS'],
  'certs.h1': ['Sertifikat Anda', 'Sertifikat Anda (your certificates)'],
  'certs.intro': ['Daftar sertifikat elektronik Anda. "Info" membuka rinciannya (dan pencabutan); "Download" memberikan sertifikat sebagai berkas .pem, rantainya, atau berkas .p12 yang dibuat di peramban.',
                  'Your electronic certificates. "Info" opens the details (and revocation); "Download" gives the certificate as a .pem file, its chain, or a .p12 file made in your browser.'],
  'certs.caption': ['Sertifikat Digital – Sertifikat Anda', 'Digital certificates – your certificates'],
  'certs.serial': ['Nomor Seri', 'Serial number'],
  'certs.product': ['Produk', 'Product'],
  'certs.not_after': ['Akhir Masa Berlaku', 'Akhir Masa Berlaku (end of validity)'],
  'certs.status': ['Status', 'Status'],
  'certs.actions': ['Tindakan', 'Actions'],
  'certs.empty': ['Anda belum memiliki sertifikat.', 'You have no certificates yet.'],
  'certs.info': ['Info', 'Info'],
  'certs.download': ['Download', 'Download'],
  'certs.dl.pem': ['Sertifikat (.pem)', 'Certificate (.pem)'],
  'certs.dl.chain': ['Sertifikat dan rantai CA (.pem)', 'Certificate and CA chain (.pem)'],
  'certs.dl.p12': ['Sertifikat dengan kunci privat (.p12, dibuat di peramban)', 'Certificate with private key (.p12, made in your browser)'],
  'certs.dl.label': ['Pilihan unduhan untuk sertifikat {serial}', 'Download choices for certificate {serial}'],
});

await initLayout({ active: 'certificates' });
let certificates = null;
const open = new Set();

try {
  certificates = (await get('/api/certificates')).certificates || [];
} catch (e) {
  certificates = [];
  showError('error', e);
}
render();
onLangChange(render);

function statusCell(c) {
  const now = Date.now() / 1000;
  const cell = h('td', {}, h('span', { class: `pill ${c.status}` }, t(`cert.status.${c.status}`)));
  if (c.status === 'good' && c.not_after <= now) cell.append(' ', h('span', { class: 'pill soon' }, t('cert.expired')));
  else if (c.status === 'good' && c.not_after - now < 30 * 86400) cell.append(' ', h('span', { class: 'pill soon' }, t('cert.soon')));
  return cell;
}

function render() {
  const body = $('certificates-body');
  if (!certificates.length) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, t('certs.empty'))));
    return;
  }
  body.replaceChildren(...certificates.map((c) => {
    const menuId = `download-menu-${c.id}`;
    const menu = h('div', { class: 'download-menu', id: menuId, hidden: !open.has(c.id), 'aria-label': t('certs.dl.label', { serial: c.serial }), role: 'group' },
      h('ul', {},
        h('li', {}, h('a', { href: `/api/certificates/${c.id}/pem`, download: `${c.serial}.pem`, id: `pem-${c.id}` }, t('certs.dl.pem'))),
        h('li', {}, h('a', { href: `/api/certificates/${c.id}/chain`, download: `${c.serial}-chain.pem`, id: `chain-${c.id}` }, t('certs.dl.chain'))),
        h('li', {}, h('a', { href: `/download.html?id=${c.id}`, id: `p12-${c.id}` }, t('certs.dl.p12'))),
      ));
    const button = h('button', {
      type: 'button', class: 'small secondary', id: `download-${c.id}`,
      'aria-expanded': open.has(c.id) ? 'true' : 'false', 'aria-controls': menuId,
      on: {
        click: () => {
          if (open.has(c.id)) open.delete(c.id); else open.add(c.id);
          const shown = open.has(c.id);
          menu.hidden = !shown;
          button.setAttribute('aria-expanded', String(shown));
          if (shown) menu.querySelector('a').focus();
        },
      },
    }, t('certs.download'));
    return h('tr', { id: `cert-row-${c.id}` },
      h('td', {}, h('code', {}, c.serial)),
      h('td', {}, c.product || t('none')),
      h('td', {}, formatDate(c.not_after)),
      statusCell(c),
      h('td', { class: 'actions-cell' },
        h('a', { class: 'button small', href: `/certificate.html?id=${c.id}`, id: `info-${c.id}` }, t('certs.info')),
        button,
        menu),
    );
  }));
}
