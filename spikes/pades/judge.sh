#!/bin/sh
# Signs the spike's PDFs and asks the judges. Run from spikes/pades: sh judge.sh
set -u
V=vectors
O=out
mkdir -p $O
export CARGO_TARGET_DIR="$PWD/target"
cargo build -q || exit 1
S=./target/debug/pades-spike
PYHANKO=${PYHANKO:-/tmp/pyhanko/bin/pyhanko}

judge() {
  echo "=== $1"
  pdfsig -nssdir sql:$V/nssdb "$1" 2>&1 | grep -E "Signature #|Field Name|Common Name|Signature Validation|Certificate Validation|Signed Ranges|Total document|not signed|Timestamp"
  qpdf --check "$1" 2>&1 | grep -E "No syntax|ERROR|WARNING"
  "$PYHANKO" sign validate --trust-replace --trust $V/ca.pem --pretty-print "$1" 2>/dev/null \
    | grep -E -i "^Field|Signer|Integrity|trusted|Bottom line|modif|timestamp|level|incremental|error|invalid|valid"
}

$S $V/plain.pdf  $O/rsa.pdf           $V/rsa.key  $V/rsa.pem  $V/ca.pem Sig1
$S $V/plain.pdf  $O/p256.pdf          $V/p256.key $V/p256.pem $V/ca.pem Sig1
$S $V/objstm.pdf $O/p256-objstm.pdf   $V/p256.key $V/p256.pem $V/ca.pem Sig1
$S $V/plain.pdf  $O/rsa-stime.pdf     $V/rsa.key  $V/rsa.pem  $V/ca.pem Sig1 --signing-time
$S $O/rsa.pdf    $O/rsa+p256.pdf      $V/p256.key $V/p256.pem $V/ca.pem Sig2
$S $O/p256-objstm.pdf $O/objstm-2.pdf $V/rsa.key  $V/rsa.pem  $V/ca.pem Sig2
$S $V/plain.pdf  $O/rsa-bt.pdf        $V/rsa.key  $V/rsa.pem  $V/ca.pem Sig1 --tsa $V
$S $V/plain.pdf  $O/p256-bt.pdf       $V/p256.key $V/p256.pem $V/ca.pem Sig1 --tsa $V
# The same CMS through cms::builder instead of hand assembly.
$S $V/plain.pdf  $O/rsa-builder.pdf   $V/rsa.key  $V/rsa.pem  $V/ca.pem Sig1 --builder --signing-time
$S $V/plain.pdf  $O/p256-builder.pdf  $V/p256.key $V/p256.pem $V/ca.pem Sig1 --builder
# B-LT: the B-T files plus a DSS (chain, TSA certificate, the CA's CRL) in a further update.
$S dss $O/rsa-bt.pdf  $O/rsa-blt.pdf  $V/ca.pem $V/rsa.pem  $V/tsa.pem $V/ca.crl
$S dss $O/p256-bt.pdf $O/p256-blt.pdf $V/ca.pem $V/p256.pem $V/tsa.pem $V/ca.crl
# A second signer after the DSS update, then B-LT for both.
$S $O/rsa-blt.pdf $O/blt-2.pdf $V/p256.key $V/p256.pem $V/ca.pem Sig2 --tsa $V
# A file first signed by pyHanko itself, then by the spike (B-T).
"$PYHANKO" sign addsig --field PyHanko1 pemder --key $V/rsa.key --cert $V/rsa.pem --chain $V/ca.pem \
  --no-pass $V/plain.pdf $O/pyhanko.pdf 2>/dev/null
$S $O/pyhanko.pdf $O/pyhanko+kunci.pdf $V/p256.key $V/p256.pem $V/ca.pem Sig2 --tsa $V
# Changed after signing through an incremental update (byte ranges intact): page 1 shrunk.
$S shrink-page $O/rsa.pdf $O/rsa-shrunk.pdf
# Tampered: one byte inside the first signed range changed after signing (the original page's
# MediaBox, as qpdf wrote it: 595 -> 596). qpdf compressed the content stream, so no text edit.
sed 's/MediaBox \[ 0 0 595 842 \]/MediaBox [ 0 0 596 842 ]/' $O/rsa.pdf > $O/rsa-tampered.pdf

for f in rsa p256 p256-objstm rsa-stime rsa-builder p256-builder rsa+p256 objstm-2 rsa-bt p256-bt rsa-blt p256-blt blt-2 pyhanko+kunci rsa-shrunk rsa-tampered; do
  judge $O/$f.pdf
done

# pyHanko's AdES validation (revocation required; ETSI EN 319 102-1 style): only the B-LT files
# carry revocation data, so only they should pass.
for f in rsa-bt rsa-blt p256-blt blt-2; do
  echo "=== adesverify $O/$f.pdf"
  "$PYHANKO" sign adesverify --trust-replace --trust $V/ca.pem "$O/$f.pdf" 2>&1 | grep -E "^Sig|Error|WARNING"
done
# Not in the loop above (slow to make, not committed): a 10 MB one-page PDF, see
# docs/spikes/pades.md "Speed": python3 make-big.py, then sign out/big.pdf as above.
