#!/bin/sh
# Re-makes the PDFs read by tests/pdf.rs (and crates/kunci-cli/tests/pdf.rs) with qpdf 11
# only. Run from anywhere: `sh gen.sh`. Keys, certificates, CRLs and timestamps are made by
# the tests themselves with OpenSSL (they expire; these files do not).
#
# - plain.pdf:     one page, classic cross-reference table (qpdf's rewrite of a hand-written file)
# - objstm.pdf:    the same with object streams and a cross-reference stream
# - form.pdf:      two pages, an AcroForm with a text field, where /AcroForm, its /Fields and
#                  page 1's /Annots are indirect objects (the cases the spike panicked on)
# - encrypted.pdf: plain.pdf encrypted (AES-256, empty user password): must be refused
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/hand.pdf" <<'X'
%PDF-1.7
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R
  /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 44 >> stream
BT /F1 24 Tf 72 760 Td (Halo, kunci!) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
xref
0 1
0000000000 65535 f 
trailer << /Size 6 /Root 1 0 R >>
startxref
0
%%EOF
X
# Exit 3 = repaired with warnings (the hand-written offsets are deliberately wrong).
qpdf --static-id "$tmp/hand.pdf" plain.pdf || test $? -eq 3
qpdf --static-id --object-streams=generate plain.pdf objstm.pdf

cat > "$tmp/form.pdf" <<'X'
%PDF-1.7
1 0 obj << /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R 9 0 R] /Count 2 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R
  /Resources << /Font << /F1 5 0 R >> >> /Annots 8 0 R >> endobj
4 0 obj << /Length 46 >> stream
BT /F1 24 Tf 72 760 Td (Formulir kunci) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
6 0 obj << /Fields 7 0 R /DA (/Helv 0 Tf 0 g) >> endobj
7 0 obj [10 0 R] endobj
8 0 obj [10 0 R] endobj
9 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
10 0 obj << /Type /Annot /Subtype /Widget /FT /Tx /T (Nama) /V (Budi) /Rect [72 700 300 720]
  /P 3 0 R /F 4 >> endobj
xref
0 1
0000000000 65535 f 
trailer << /Size 11 /Root 1 0 R >>
startxref
0
%%EOF
X
qpdf --static-id "$tmp/form.pdf" form.pdf || test $? -eq 3

qpdf --static-id --allow-weak-crypto --encrypt "" owner 256 -- plain.pdf encrypted.pdf

for f in plain.pdf objstm.pdf form.pdf encrypted.pdf; do qpdf --check "$f" >/dev/null; done
