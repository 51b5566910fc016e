#!/bin/sh
# The spike CA's CRL (empty, 30 days) for the B-LT DSS: re-run when it has expired.
set -eu
cd "$(dirname "$0")"
: > index.txt
echo 01 > crlnumber
openssl ca -gencrl -config ca.cnf -keyfile ca.key -cert ca.pem -out ca.crl.pem
openssl crl -in ca.crl.pem -outform DER -out ca.crl
rm -f ca.crl.pem index.txt* crlnumber*
