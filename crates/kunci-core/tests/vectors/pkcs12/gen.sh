#!/bin/sh
# Re-makes the PKCS#12 test vectors read by tests/pkcs12.rs. Run from this folder:
#   sh gen.sh
# Tools: OpenSSL 3.0 (`openssl`) and NSS 3.87 (`certutil`, `pk12util`, Debian libnss3-tools).
# Every key here is a throw-away test key; the password is in password.txt.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'kunci-uji-p12' > password.txt
days=36500

# A three-level chain: root CA -> intermediate CA -> two leaves (P-256 and RSA 2048).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/root.key"
openssl req -x509 -new -key "$work/root.key" -subj "/C=ID/O=Kunci Uji/CN=Kunci Uji Root CA" \
  -days $days -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -out root.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/inter.key"
openssl req -new -key "$work/inter.key" -subj "/C=ID/O=Kunci Uji/CN=Kunci Uji Intermediate CA" -out "$work/inter.csr"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$work/ca.ext"
openssl x509 -req -in "$work/inter.csr" -CA root.pem -CAkey "$work/root.key" -CAcreateserial \
  -days $days -extfile "$work/ca.ext" -out inter.pem
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' > "$work/leaf.ext"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf-p256.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf-rsa.key
for k in p256 rsa; do
  openssl req -new -key leaf-$k.key -subj "/C=ID/O=Kunci Uji/CN=Budi Santoso $k" -out "$work/$k.csr"
  openssl x509 -req -in "$work/$k.csr" -CA inter.pem -CAkey "$work/inter.key" -CAcreateserial \
    -days $days -extfile "$work/leaf.ext" -out leaf-$k.pem
done
cat inter.pem root.pem > chain.pem

# OpenSSL 3 default: PBES2/AES-256-CBC for key and certificates, HMAC-SHA256 MAC, 2048 iterations.
openssl pkcs12 -export -inkey leaf-p256.key -in leaf-p256.pem -certfile chain.pem \
  -name "Budi Santoso p256" -passout file:password.txt -out openssl-modern.p12
# OpenSSL 3 -legacy: RC2-40 certificates, 3DES key, HMAC-SHA1 MAC.
openssl pkcs12 -export -legacy -inkey leaf-rsa.key -in leaf-rsa.pem -certfile chain.pem \
  -name "Budi Santoso rsa" -passout file:password.txt -out openssl-legacy.p12
# NSS pk12util (BER with indefinite lengths), exported from a fresh database.
mkdir "$work/nss"
certutil -N -d "sql:$work/nss" --empty-password
pk12util -i openssl-modern.p12 -d "sql:$work/nss" -w password.txt
pk12util -o nss.p12 -n "Budi Santoso p256" -d "sql:$work/nss" -w password.txt
rm -f inter.srl root.srl .srl
