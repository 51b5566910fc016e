#!/bin/sh
# Re-makes the CSR vectors read by tests/csr.rs, with OpenSSL 3 only. The private keys are
# thrown away: only the CSRs (public) are kept. Run from this folder: `sh gen.sh`.
# After re-making, the tests still pass: they check fields, not bytes (the keys are new), and
# each *.pubkey.sha256 holds the SHA-256 of the CSR's DER SubjectPublicKeyInfo.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/req.cnf" <<'CNF'
[req]
prompt = no
distinguished_name = dn
attributes = attrs

[dn]
C = ID
ST = Jawa Barat
L = Bandung
O = Dinas Kominfo
OU = TI
CN = Budi Santoso
serialNumber = 3273010101010001
emailAddress = budi@example.go.id

[attrs]
challengePassword = Tok3n-For-Test
CNF

# name  genpkey-args                                   digest
make() {
    name=$1; digest=$2; shift 2
    openssl genpkey "$@" -out "$tmp/$name.key" 2>/dev/null
    openssl req -new -config "$tmp/req.cnf" -key "$tmp/$name.key" "-$digest" \
        -addext "subjectAltName=email:budi@example.go.id" -out "$name.csr.pem"
    openssl req -in "$name.csr.pem" -pubkey -noout | openssl pkey -pubin -outform DER \
        | openssl dgst -sha256 -r | cut -d' ' -f1 > "$name.pubkey.sha256"
}

make rsa2048        sha256 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
make p256           sha256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
make p256-sha384    sha384 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
make rsa2048-sha512 sha512 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
make rsa2048-sha1   sha1   -algorithm RSA -pkeyopt rsa_keygen_bits:2048
make rsa1024        sha256 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
make p384           sha256 -algorithm EC -pkeyopt ec_paramgen_curve:P-384

# No challengePassword, no SAN, DER: the bare minimum.
openssl req -new -key "$tmp/p256.key" -subj "/CN=Minimal" -outform DER -out minimal.csr.der

# A subject without a common name: kunci shows it but its policy refuses it.
openssl req -new -key "$tmp/p256.key" -subj "/O=Dinas Kominfo/C=ID" -out no-cn.csr.pem
