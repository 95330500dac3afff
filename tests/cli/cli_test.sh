#!/bin/sh
# End-to-end checks of the bundle command line: what a user or a CI script sees. Each check
# prints "ok - <name>" or "not ok - <name>"; the script ends with "N passed, N failed" and
# exits non-zero if anything failed. Usage: cli_test.sh path/to/bundle
set -u
bundle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bundle-cli-XXXXXX")
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cd "$work" || exit 1
# shellcheck disable=SC1091 # harness.sh is checked on its own
. "$here/harness.sh"
# flip FILE OFFSET: inverts one byte in place
flip() {
  python3 -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(o); b = f.read(1); f.seek(o); f.write(bytes([b[0] ^ 0xFF]))' "$1" "$2"
}
offset_of() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read().find(sys.argv[2].encode()))' "$1" "$2"; }

mkdir -p src/files src/payload/bin
head -c 3000000 /dev/urandom >src/files/big.bin
echo "hello" >src/payload/hello.txt
printf '#!/bin/sh\necho hi\n' >src/payload/bin/run.sh
chmod 755 src/payload/bin/run.sh
cat >src/demo.yaml <<'YAML'
apiVersion: bundle/v1
kind: Image
name: demo
version: 7
arch: amd64
artifacts:
  - name: big
    path: files/big.bin
    dest: data/big.bin
payload: payload/
YAML

expect 0 "--help lists the exit statuses" "$bundle" --help
if grep -q "10  signature" out.txt; then ok "--help documents exit 10"; else not_ok "--help documents exit 10"; fi
expect 2 "no subcommand is a usage error" "$bundle"
expect 2 "unknown flag is a usage error" "$bundle" verify x --pubkey y --bogus
expect 0 "keygen" "$bundle" keygen --out keys
expect 0 "keygen for another signer" "$bundle" keygen --out other
expect 4 "keygen refuses to overwrite" "$bundle" keygen --out keys
stderr_has "not overwriting" "keygen says why"

export SOURCE_DATE_EPOCH=1700000000
expect 0 "build" "$bundle" build --image src/demo.yaml --out dist --key keys/bundle.key --quiet
b=dist/demo-7.bundle
expect 0 "verify" "$bundle" verify "$b" --pubkey keys/bundle.pub
expect 0 "verify with the raw base64 public key" sh -c \
  "tail -n +2 keys/bundle.pub | head -n 1 | base64 -d | tail -c 32 | base64 >raw.pub && '$bundle' verify '$b' --pubkey raw.pub"

first=$(tar -tf "$b" | sed -n 1p) second=$(tar -tf "$b" | sed -n 2p)
if [ "$first" = index.json ] && [ "$second" = index.json.sig ]; then ok "tar -tf lists index.json then its signature"; else not_ok "tar -tf order: $first, $second"; fi
if bsdtar -tf "$b" >bsd.txt 2>&1 && grep -qx "data/big.bin" bsd.txt; then ok "libarchive (bsdtar) lists it"; else not_ok "bsdtar lists it"; fi
if mkdir gnu && tar -xf "$b" -C gnu && cmp -s gnu/data/big.bin src/files/big.bin; then ok "GNU tar extracts the same bytes"; else not_ok "GNU tar extracts the same bytes"; fi

expect 0 "rebuild with the same SOURCE_DATE_EPOCH" "$bundle" build --image src/demo.yaml --out dist2 --key keys/bundle.key --quiet
if cmp -s "$b" dist2/demo-7.bundle; then ok "the build is reproducible"; else not_ok "the build is reproducible"; fi

expect 0 "inspect --json" "$bundle" inspect "$b" --json
if python3 -c 'import json,sys; d=json.load(open("out.txt")); assert d["name"]=="demo" and d["version"]==7 and d["created_epoch"]==1700000000'; then ok "inspect --json is JSON with name, version and time"; else not_ok "inspect --json content"; fi
expect 0 "inspect text" "$bundle" inspect "$b" --pubkey keys/bundle.pub
if grep -q "signature  valid" out.txt && grep -q "data/big.bin" out.txt; then ok "inspect text shows members"; else not_ok "inspect text"; fi

expect 10 "another signer's key" "$bundle" verify "$b" --pubkey other/bundle.pub
stderr_has "another key" "says another key"

cp "$b" data.bundle && flip data.bundle 2000000
expect 11 "a flipped content byte" "$bundle" verify data.bundle --pubkey keys/bundle.pub
stderr_has "data/big.bin" "names the member"

cp "$b" sig.bundle && flip sig.bundle "$(($(offset_of "$b" "sig=") + 10))"
expect 10 "a flipped signature byte" "$bundle" verify sig.bundle --pubkey keys/bundle.pub
cp "$b" index.bundle && flip index.bundle "$(($(offset_of "$b" '"name":"demo"') + 9))"
expect 10 "a flipped index byte" "$bundle" verify index.bundle --pubkey keys/bundle.pub

head -c 100000 "$b" >short.bundle
expect 12 "a truncated bundle" "$bundle" verify short.bundle --pubkey keys/bundle.pub
stderr_has "truncated" "says truncated"
cp "$b" long.bundle && echo garbage >>long.bundle
expect 12 "trailing garbage" "$bundle" verify long.bundle --pubkey keys/bundle.pub
stderr_has "trailing" "says trailing"

expect 0 "extract" "$bundle" extract "$b" --to out --pubkey keys/bundle.pub --quiet
if cmp -s out/data/big.bin src/files/big.bin && [ -x out/payload/bin/run.sh ]; then ok "extracted content and modes"; else not_ok "extracted content and modes"; fi
expect 0 "extract --no-sync" "$bundle" extract "$b" --to scratch --pubkey keys/bundle.pub --no-sync
if cmp -s scratch/data/big.bin src/files/big.bin; then ok "--no-sync extracts the same content"; else not_ok "--no-sync content"; fi
expect 0 "extract --replace over a non-empty folder" "$bundle" extract "$b" --to scratch --pubkey keys/bundle.pub --replace
expect 4 "extract into a non-empty folder without --replace" "$bundle" extract "$b" --to out --pubkey keys/bundle.pub
stderr_has "--replace" "suggests --replace"
expect 11 "extract of a corrupt bundle" "$bundle" extract data.bundle --to bad --pubkey keys/bundle.pub
if [ ! -e bad ] && [ -z "$(find . -maxdepth 1 -name '.bad.staging-*')" ]; then ok "a failed extract leaves nothing"; else not_ok "a failed extract leaves nothing"; fi

# Found by review: extraction holds a descriptor per directory; a bundle with more directories
# than a low soft limit on open files must still extract (the command raises the soft limit).
mkdir -p many/payload
i=0
while [ "$i" -lt 300 ]; do mkdir "many/payload/d$i" && echo "$i" >"many/payload/d$i/f"; i=$((i + 1)); done
printf 'apiVersion: bundle/v1\nkind: Image\nname: many\nversion: 1\narch: amd64\npayload: payload/\n' >many/many.yaml
expect 0 "build a bundle with 300 directories" "$bundle" build --image many/many.yaml --out dist --key keys/bundle.key --quiet
expect 0 "extract it with a soft limit of 256 open files" sh -c \
  "ulimit -Sn 256 && '$bundle' extract dist/many-1.bundle --to many-out --pubkey keys/bundle.pub --quiet"
if [ "$(cat many-out/payload/d299/f)" = 299 ]; then ok "all 300 directories extracted"; else not_ok "300 directories"; fi

cat >src/broken.yaml <<'YAML'
apiVersion: bundle/v1
kind: Image
name: Demo!
version: 0
arch: sparc
YAML
expect 3 "an image definition with three mistakes" "$bundle" build --image src/broken.yaml --out dist --key keys/bundle.key
if [ "$(grep -c 'broken.yaml:[0-9]*:[0-9]*:' err.txt)" -eq 3 ]; then ok "three mistakes, three file:line:col lines"; else not_ok "three mistakes, three lines"; sed 's/^/#   /' err.txt; fi
expect 4 "a missing image definition" "$bundle" build --image src/missing.yaml --out dist --key keys/bundle.key
stderr_has "src/missing.yaml" "names the missing file"
chmod 644 keys/bundle.key
expect 3 "a private key readable by others" "$bundle" build --image src/demo.yaml --out dist3 --key keys/bundle.key
stderr_has "chmod 600" "says how to fix the key's mode"

finish
