/**
 * The options page (options.html): asks the service worker for the token path's state
 * (`options.status`: hello, doctor and list_tokens of kunci-host) and renders what
 * options-view.js makes of it. `?lang=id|en` and `?os=windows|linux|mac|other` override the
 * browser's language and the detected system (tests). Text only: no innerHTML.
 */
import { langOf, osOf, text, view } from './options-view.js';

const api = globalThis.browser ?? globalThis.chrome;
const query = new URLSearchParams(location.search);
const lang = ['id', 'en'].includes(query.get('lang')) ? query.get('lang') : langOf(api.i18n?.getUILanguage?.() ?? navigator.language);
const os = ['windows', 'linux', 'mac', 'other'].includes(query.get('os')) ? query.get('os') : osOf(navigator);
const $ = (id) => document.getElementById(id);

/** An element with text children. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

function render(page) {
  const sections = page.sections.map((s) => el('section', { id: `s-${s.id}`, 'aria-labelledby': `h-${s.id}` },
    el('h2', { id: `h-${s.id}` }, s.heading),
    el('ul', { class: 'checks' }, ...s.rows.map((r) => el('li', { class: r.ok === true ? 'ok' : r.ok === false ? 'problem' : 'info', 'data-code': r.code ?? '' },
      el('span', { class: 'mark', 'aria-hidden': 'true' }, r.ok === true ? '✓' : r.ok === false ? '✗' : 'i'),
      r.text,
      r.code ? el('span', { class: 'code' }, `(${r.code})`) : undefined,
      r.note ? el('p', { class: 'note' }, r.note) : undefined,
      r.fix ? el('p', { class: 'fix' }, el('strong', {}, text(lang, 'fix')), r.fix) : undefined,
      ...(r.links ?? []).map((l) => el('p', { class: 'link' }, el('a', { href: l.href, target: '_blank', rel: 'noopener' }, l.text))))))));
  $('report').replaceChildren(...sections);
}

async function check() {
  $('again').disabled = true;
  $('status').textContent = text(lang, 'checking');
  let status;
  try {
    status = await api.runtime.sendMessage({ type: 'options.status' });
  } catch (e) {
    status = { ok: false, error: { code: 'extension.failed', message: String(e?.message ?? e) } };
  }
  render(view(status ?? {}, { lang, os }));
  $('status').textContent = '';
  $('again').disabled = false;
  document.body.dataset.state = 'done';
}

document.documentElement.lang = lang;
document.title = text(lang, 'title');
$('title').textContent = text(lang, 'title');
$('intro').textContent = text(lang, 'intro');
$('again').textContent = text(lang, 'again');
$('sites').textContent = text(lang, 'sites');
$('again').addEventListener('click', () => {
  document.body.dataset.state = '';
  check();
});
check();
