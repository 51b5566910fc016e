/**
 * Small DOM helpers shared by the pages: building elements without innerHTML (so no server
 * text is ever parsed as HTML), showing errors and statuses in the live regions, reading
 * query parameters, moving focus to a heading, and Blob download links.
 */

import { errorText } from './i18n.js';

/**
 * Creates an element. `attrs`: attributes, plus `text`, `class`, `dataset`, `on` (events).
 * Children: nodes or strings (as text); null/false skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** `document.getElementById`, shorter. */
export const $ = (id) => document.getElementById(id);

/** Shows an error (translated by code) in a role=alert element; `null` clears it. */
export function showError(el, err) {
  if (typeof el === 'string') el = $(el);
  if (!el) return;
  el.textContent = err ? (typeof err === 'string' ? err : errorText(err)) : '';
}

/** Sets a status (role=status) text. */
export function showStatus(el, text, ok = false) {
  if (typeof el === 'string') el = $(el);
  if (!el) return;
  el.textContent = text || '';
  el.classList.toggle('ok', !!ok);
}

/** A query parameter as a positive integer, or null. */
export function intParam(name) {
  const v = new URLSearchParams(location.search).get(name);
  return v && /^\d+$/.test(v) ? Number(v) : null;
}

/** Moves focus to a heading (made focusable) so screen readers announce the new part. */
export function focusHeading(el) {
  if (typeof el === 'string') el = $(el);
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}

/** Points `link` at a Blob download of `data` named `filename` (revoking the old URL). */
export function setDownload(link, data, filename, type) {
  if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
  const url = URL.createObjectURL(new Blob([data], { type }));
  link.dataset.url = url;
  link.href = url;
  link.download = filename;
}
