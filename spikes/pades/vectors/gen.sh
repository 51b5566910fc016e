#!/bin/sh
# Re-makes every input of the PAdES spike with public tools (OpenSSL 3, qpdf).
# Run from this folder: sh gen.sh
set -eu
cd "$(dirname "$0")"
days=3650

# A small CA (P-256 root) and two signers: RSA-2048 and P-256, plus a TSA for `openssl ts`.
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days $days -subj "/C=ID/O=Spike CA/CN=Spike Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem

ext_signer=signer.ext
cat > $ext_signer <<X
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
openssl req -new -key rsa.key -subj "/C=ID/O=Spike/CN=Signer RSA" -out rsa.csr
openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1000 -sha256 \
  -extfile $ext_signer -out rsa.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.key
openssl req -new -key p256.key -subj "/C=ID/O=Spike/CN=Signer P-256" -out p256.csr
openssl x509 -req -in p256.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1000 -sha256 \
  -extfile $ext_signer -out p256.pem

cat > tsa.ext <<X
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tsa.key
openssl req -new -key tsa.key -subj "/C=ID/O=Spike/CN=Spike TSA" -out tsa.csr
openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1000 -sha256 \
  -extfile tsa.ext -out tsa.pem
rm -f ./*.csr ./*.srl

# The PDFs: a hand-written one-page PDF (offsets deliberately wrong), rewritten by qpdf into a
# correct classic xref table (plain.pdf) and into object streams + xref stream (objstm.pdf).
cat > hand.pdf <<'X'
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
qpdf hand.pdf plain.pdf || test $? -eq 3   # exit 3 = warnings (the wrong offsets), repaired
qpdf --object-streams=generate plain.pdf objstm.pdf
rm hand.pdf
qpdf --check plain.pdf
qpdf --check objstm.pdf

# The NSS database pdfsig reads (-nssdir): the root trusted for signing (C,C,C).
rm -rf nssdb && mkdir nssdb
certutil -N -d sql:nssdb --empty-password
certutil -A -d sql:nssdb -n "Spike Root" -t "C,C,C" -i ca.pem

# The TSA serial counter for `openssl ts -reply` (ts.cnf), not committed.
echo 01 > tsaserial

# B-LT: the CA's CRL (no revocations), refreshed each run (30 days).
sh crl.sh
