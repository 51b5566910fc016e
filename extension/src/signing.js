/**
 * What the extension's window shows before a signature (`token.signDigest`), so that the holder
 * knows what the PIN will sign: the document's name, its size when the site gave it, the first
 * 16 hex digits of its SHA-256 digest grouped by four, and the key. Indonesian first, English
 * beside it, as everywhere in the window.
 *
 * Pure (no DOM, no `chrome`): pin.js renders the rows with `textContent` only, and
 * extension/tests/signing.test.mjs checks them under node:test. The service worker has already
 * refused names with control or text-direction characters, and cut the digest to its prefix.
 */

/** The key algorithms as the holder reads them. */
export const ALG = { rsa2048: 'RSA 2048', p256: 'ECDSA P-256' };

/** `"3f2a91bc0d4e77aa"` → `"3f2a 91bc 0d4e 77aa"`: hex in groups of four, for reading aloud. */
export function groupHex(hex) {
  return String(hex ?? '').toLowerCase().match(/.{1,4}/g)?.join(' ') ?? '';
}

/** A whole number with thousands separators: `.` in Indonesian, `,` in English. */
function thousands(n, separator) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** A size in bytes as [Indonesian, English]: `["1,2 MB (1.234.567 byte)", "1.2 MB (1,234,567 bytes)"]`. */
export function formatSize(bytes) {
  const exact = [`${thousands(bytes, '.')} byte`, `${thousands(bytes, ',')} ${bytes === 1 ? 'byte' : 'bytes'}`];
  if (bytes < 1024) return exact;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  const rounded = value.toFixed(1);
  return [`${rounded.replace('.', ',')} ${unit} (${exact[0]})`, `${rounded} ${unit} (${exact[1]})`];
}

/**
 * The rows of the window's signature summary: `{label: [id, en], value: [id, en] | string,
 * digest?: true}`. `summary` is what the service worker gave the window: `{algorithm, keyId,
 * document: {name, size}, digestPrefix}`.
 */
export function signRows(summary) {
  const s = summary ?? {};
  const rows = [{ label: ['Dokumen', 'Document'], value: String(s.document?.name ?? '') }];
  if (Number.isSafeInteger(s.document?.size)) rows.push({ label: ['Ukuran', 'Size'], value: formatSize(s.document.size) });
  rows.push({
    label: ['Sidik dokumen (SHA-256, awalnya)', 'Document fingerprint (SHA-256, its start)'],
    value: `${groupHex(s.digestPrefix)} …`,
    digest: true,
  });
  const key = [ALG[s.algorithm] ?? String(s.algorithm ?? ''), s.keyId ? `ID ${groupHex(String(s.keyId).slice(0, 8))} …` : '']
    .filter(Boolean)
    .join(', ');
  rows.push({ label: ['Kunci di token', 'Key on the token'], value: key });
  return rows;
}
