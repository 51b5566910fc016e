#!/bin/sh
# Re-makes the certificate vectors read by tests/cert.rs, with OpenSSL 3 only: a small RSA
# 2048 root CA and a P-256 leaf with key usage, extended key usage and subjectAltNames.
# Run from anywhere: `sh gen.sh`. The CA's private key is thrown away; leaf.key.pem is a
# TEST-ONLY key, kept unencrypted so the key-matching tests can load it. After re-making,
# update the fixed expected values in tests/cert.rs from leaf.openssl.txt (dates, serial,
# fingerprint).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/ca.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 7300 -set_serial 1 \
    -subj "/C=ID/O=Kunci Test/CN=Kunci Test Root CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key.pem
chmod 644 leaf.key.pem
openssl req -new -key leaf.key.pem -out "$tmp/leaf.csr" \
    -subj "/C=ID/ST=Jawa Barat/L=Bandung/O=PT Contoh, Tbk/OU=TI/CN=Budi Santoso/serialNumber=3273010101010001/emailAddress=budi@example.go.id"

cat > "$tmp/leaf.ext" <<'EXT'
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth,emailProtection,1.3.6.1.5.5.7.3.36,1.3.6.1.4.1.311.10.3.12,1.2.840.113583.1.1.5,1.2.3.4
subjectAltName = email:budi@example.go.id,DNS:example.go.id,URI:https://example.go.id/budi,IP:192.0.2.7
EXT
openssl x509 -req -in "$tmp/leaf.csr" -CA ca.crt.pem -CAkey "$tmp/ca.key" -sha256 -days 730 \
    -set_serial 0x9A3F00C0FFEE0123456789 -extfile "$tmp/leaf.ext" -out leaf.crt.pem 2>/dev/null
openssl x509 -in leaf.crt.pem -outform DER -out leaf.crt.der
cat leaf.crt.pem ca.crt.pem > chain.pem

# What OpenSSL says about the leaf: the tests compare kunci's reading with these lines.
openssl x509 -in leaf.crt.pem -noout -serial -fingerprint -sha256 -dates -subject -issuer \
    -nameopt RFC2253,-esc_msb > leaf.openssl.txt
