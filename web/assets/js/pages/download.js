/**
 * "Download Sertifikat Elektronik" (docs/PROCESS.md step 24b) for one certificate (?id=N): the
 * certificate's facts (GET /api/certificates/{id}) above the package's `<kunci-p12-maker>`
 * (docs/ELEMENTS.md), which does the step itself: where the key is (kept in this browser,
 * preselected by the certificate's public key; a backup file; or the USB token through the
 * extension), the password, the check that key and certificate belong together, the .p12
 * profile (modern, or "macOS / aplikasi lama"), then "<serial>.pem" and "<serial>.p12" or the
 * certificate written onto the token. This page is the glue: the element's certificate and
 * chain URLs (/api/certificates/{id}/pem and /chain, whose leaf the element leaves out), its
 * language following the portal's, the holder's data for the password rule, "Token USB"
 * preselected when the key was made on a token (tokenpath.js), and the lost-key page's links
 * (one of them the element shows beside a wrong-password error). Nothing here is sent to the
 * server.
 */

import '/pkg/elements.js';
import { initLayout } from '../layout.js';
import { addStrings, t, getLang, onLangChange, formatDate } from '../i18n.js';
import { get } from '../api.js';
import { $, h, showError, intParam } from '../dom.js';
import { tokenKeyOf } from '../tokenpath.js';
import { tokenHelp } from '../tokenhelp.js';

addStrings({
  'title.download': ['Download Sertifikat Elektronik – kunci AMS', 'Download the certificate – kunci AMS'],
  'dl.h1': ['Download Sertifikat Elektronik', 'Download Sertifikat Elektronik (download the certificate)'],
  'dl.intro': ['Sertifikat disatukan dengan kunci privat Anda menjadi berkas .p12 di peramban ini. Kunci dan kata sandinya tidak dikirim ke server.',
               'The certificate is joined with your private key into a .p12 file in this browser. The key and its password are not sent to the server.'],
  'dl.cert': ['Sertifikat', 'Certificate'],
  'dl.f.serial': ['Nomor Seri', 'Serial number'],
  'dl.f.subject': ['Subject DN', 'Subject DN'],
  'dl.f.product': ['Produk', 'Product'],
  'dl.f.validity': ['Masa Berlaku', 'Masa Berlaku (validity)'],
  'dl.f.status': ['Status', 'Status'],
  'dl.lost': ['Lupa kata sandi atau kunci hilang?', 'Forgot the password, or lost the key?'],
  'dl.lost.wrong': ['Kata sandi tidak dapat dipulihkan oleh siapa pun, termasuk otoritas.', 'Nobody, not even the authority, can recover the password.'],
});

const maker = $('p12-maker');
// What the USB-token path lacks (extension, kunci-host, module, token), with the fix.
tokenHelp($('token-help'), maker);
let cert = null;

const me = await initLayout({ active: 'certificates' });
const id = intParam('id');
for (const link of [$('lost-key-link'), $('lost-key-link-2')]) {
  if (id) link.href = `/kunci-hilang.html?certificate=${id}`;
}

try {
  if (!id) throw Object.assign(new Error(''), { code: 'store.not_found' });
  cert = await get(`/api/certificates/${id}`);
} catch (e) {
  showError('error', e);
}
renderCert();
onLangChange((lang) => {
  renderCert();
  maker.setAttribute('lang', lang);
});

if (cert) {
  maker.setAttribute('lang', getLang());
  maker.holder = {
    name: (me && me.name) || null,
    email: (me && me.email) || null,
    organization: dnValue(cert.subject, 'O'),
    other: me && me.login ? [me.login] : [],
  };
  if (tokenKeyOf(cert.request_id)) maker.setAttribute('key-location', 'token');
  maker.setAttribute('certificate-url', `/api/certificates/${cert.id}/pem`);
  maker.setAttribute('chain-url', `/api/certificates/${cert.id}/chain`);
  maker.hidden = false;
}

function renderCert() {
  if (!cert) {
    $('cert-facts').replaceChildren();
    return;
  }
  const row = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
  $('cert-facts').replaceChildren(
    ...row('dl.f.serial', h('code', {}, cert.serial)),
    ...row('dl.f.subject', h('code', {}, cert.subject)),
    ...row('dl.f.product', cert.product || t('none')),
    ...row('dl.f.validity', `${formatDate(cert.not_before)} – ${formatDate(cert.not_after)}`),
    ...row('dl.f.status', t(`cert.status.${cert.status}`)),
  );
}

/** The value of attribute `type` (e.g. "O") in an RFC 4514 DN, or null. */
function dnValue(dn, type) {
  const m = new RegExp(`(?:^|,)\\s*${type}=((?:\\\\.|[^,\\\\])*)`, 'i').exec(dn || '');
  return m ? m[1].replace(/\\(.)/g, '$1') : null;
}
