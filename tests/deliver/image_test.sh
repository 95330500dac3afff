#!/bin/sh
# End-to-end checks of `bundle image`: the seed ISO read back with two independent readers,
# xorriso (the volume descriptors, Rock Ridge) and bsdtar (list and extract), its user-data
# checked by cloud-init's own schema, and every failure leaving no file behind. The node agent in
# the test bundle is a stand-in (tests/deliver/site.sh), not the real agent.
# Usage: image_test.sh path/to/bundle
set -u
bundle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bundle-image-XXXXXX")
cleanup() {
  chmod -R u+w "$work"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
# shellcheck disable=SC1091 # checked on their own
. "$here/../cli/harness.sh"
# shellcheck disable=SC1091
. "$here/site.sh"

for tool in xorriso bsdtar cloud-init python3; do
  command -v "$tool" >/dev/null || { not_ok "$tool is not installed (ci/setup installs it)"; finish; exit 1; }
done
make_site "$bundle" root@203.0.113.10 || { not_ok "could not build the test bundle"; finish; exit 1; }
sha=$(sha256sum dist/site-3.bundle | cut -d ' ' -f 1)
"$bundle" cloud-init --cluster site/cluster.yaml --node node-1 --bundle dist/site-3.bundle >node-1.yaml 2>/dev/null

# nothing_left DIR NAME: DIR holds no .iso and no temporary
nothing_left() {
  left=$(find "$1" -maxdepth 1 \( -name '*.iso' -o -name '.*.tmp-*' \) | sort)
  if [ -z "$left" ]; then ok "$2"; else not_ok "$2: left $left"; fi
}

# --- the image, read back ----------------------------------------------------------------------
mkdir out
expect 0 "image writes the seed ISO" "$bundle" image --cluster site/cluster.yaml --node node-1 \
  --bundle dist/site-3.bundle --out out/node-1.iso --quiet
has out.txt "wrote out/node-1.iso" "it names the file"
if [ "$(stat -c %a out/node-1.iso)" = 600 ]; then ok "the image is 0600"; else not_ok "mode $(stat -c %a out/node-1.iso)"; fi
nothing_left_tmp=$(find out -name '.*tmp*')
if [ -z "$nothing_left_tmp" ]; then ok "no temporary beside it"; else not_ok "left: $nothing_left_tmp"; fi

xorriso -indev out/node-1.iso -pvd_info >pvd.txt 2>&1
if grep -Eq '^Volume [Ii]d *: *CIDATA *$' pvd.txt; then ok "xorriso: the volume id is CIDATA"; else
  not_ok "xorriso: volume id"; sed 's/^/#   /' pvd.txt; fi
# udev makes /dev/disk/by-label/ from what blkid reads: the bootstrap looks for CIDATA there.
if command -v blkid >/dev/null; then
  if [ "$(blkid -o value -s LABEL out/node-1.iso)" = CIDATA ] && [ "$(blkid -o value -s TYPE out/node-1.iso)" = iso9660 ]; then
    ok "blkid: an iso9660 filesystem labelled CIDATA"
  else not_ok "blkid: $(blkid out/node-1.iso)"; fi
else not_ok "blkid is not installed (util-linux)"; fi
xorriso -indev out/node-1.iso -find / -type f -exec lsdl -- >xls.txt 2>&1
if grep -q -- '-r--------.*/user-data' xls.txt && grep -q -- '-r--r--r--.*/meta-data' xls.txt &&
  grep -q -- '-r--r--r--.*/site-3.bundle' xls.txt; then
  ok "xorriso: Rock Ridge names and modes (user-data 0400, the others 0444)"
else not_ok "xorriso: Rock Ridge listing"; sed 's/^/#   /' xls.txt; fi
mkdir xo
xorriso -osirrox on -indev out/node-1.iso -extract / xo >/dev/null 2>&1
if cmp -s xo/site-3.bundle dist/site-3.bundle && cmp -s xo/user-data node-1.yaml; then
  ok "xorriso extracts the bundle and the user-data byte for byte"
else not_ok "xorriso's extraction differs"; fi

# list ISO OPTIONS: the names bsdtar reads (the root folder "." left out), sorted
list() { bsdtar -tf "$1" --options "$2" | grep -vx '[.]' | sort; }
printf '%s\n' meta-data site-3.bundle user-data >want.txt
list out/node-1.iso "" >list.txt
if cmp -s list.txt want.txt; then ok "bsdtar lists exactly user-data, meta-data and the bundle"; else
  not_ok "bsdtar's list"; diff want.txt list.txt | sed 's/^/#   /'; fi
list out/node-1.iso 'iso9660:!rockridge' >joliet.txt
if cmp -s joliet.txt want.txt; then ok "bsdtar: the Joliet names alone are the same"; else
  not_ok "Joliet names"; diff want.txt joliet.txt | sed 's/^/#   /'; fi
mkdir x
bsdtar -xf out/node-1.iso -C x
if cmp -s x/site-3.bundle dist/site-3.bundle; then ok "bsdtar: the bundle is byte-identical"; else not_ok "bundle differs"; fi
if cmp -s x/user-data node-1.yaml; then ok "bsdtar: user-data is what cloud-init prints"; else not_ok "user-data differs"; fi
printf 'instance-id: prod-node-1-%s\nlocal-hostname: node-1\n' "$(echo "$sha" | cut -c1-12)" >meta.want
if cmp -s x/meta-data meta.want; then ok "meta-data names the node and the bundle"; else
  not_ok "meta-data"; sed 's/^/#   /' x/meta-data; fi
if cloud-init schema --config-file x/user-data >schema.txt 2>&1; then ok "cloud-init schema accepts the user-data"; else
  not_ok "cloud-init schema"; sed 's/^/#   /' schema.txt; fi
expect 0 "the bundle taken from the image verifies" "$bundle" verify x/site-3.bundle --pubkey site/secrets/bundle.pub --quiet

# --- defaults ----------------------------------------------------------------------------------
mkdir cwd
(umask 000 && cd cwd && mkdir dist && cp ../dist/site-3.bundle dist/ &&
  "$bundle" image --cluster ../site/cluster.yaml --node node-2 --quiet >../out.txt 2>../err.txt)
if [ -f cwd/node-2-seed.iso ] && [ "$(stat -c %a cwd/node-2-seed.iso)" = 600 ]; then
  ok "without --out and --bundle: ./node-2-seed.iso from ./dist's bundle, 0600 even with umask 000"
else not_ok "defaults: $(ls -la cwd)"; sed 's/^/#   /' err.txt; fi
mkdir isos
expect 0 "--out naming a folder" "$bundle" image --cluster site/cluster.yaml --node node-3 --bundle dist/site-3.bundle --out isos --quiet
if [ -f isos/node-3-seed.iso ]; then ok "the image goes into it as node-3-seed.iso"; else not_ok "not in the folder: $(ls isos)"; fi
bsdtar -xOf isos/node-3-seed.iso meta-data >meta3.txt
if grep -q "^instance-id: prod-node-3-" meta3.txt; then ok "another node, another instance-id"; else not_ok "node-3's meta-data"; fi
cp dist/site-3.bundle cwd/dist/other-1.bundle
(cd cwd && "$bundle" image --cluster ../site/cluster.yaml --node node-2 >../out.txt 2>../err.txt)
if [ $? -eq 2 ] && grep -q "holds several bundles" err.txt; then ok "several bundles in ./dist: it asks for --bundle"; else
  not_ok "several bundles"; sed 's/^/#   /' err.txt; fi

# --- without the bundle (a reinstall that takes the bundle from the peers) ---------------------
expect 0 "--without-bundle" "$bundle" image --cluster site/cluster.yaml --node node-1 \
  --bundle dist/site-3.bundle --out out/bare.iso --without-bundle --quiet
has out.txt "user-data, meta-data, no bundle" "it says the image holds no bundle"
list out/bare.iso iso9660:rockridge >bare.txt
printf '%s\n' meta-data user-data >bare-want.txt
if cmp -s bare.txt bare-want.txt; then ok "--without-bundle: exactly user-data and meta-data"; else
  not_ok "--without-bundle's list"; diff bare-want.txt bare.txt | sed 's/^/#   /'; fi
if [ "$(stat -c %s out/bare.iso)" -lt "$(stat -c %s out/node-1.iso)" ] && [ "$(stat -c %s out/bare.iso)" -lt 1048576 ]; then
  ok "--without-bundle: under 1 MiB, smaller than the image with the bundle"
else not_ok "--without-bundle: $(stat -c %s out/bare.iso) bytes"; fi
if bsdtar -xOf out/bare.iso user-data | cmp -s - node-1.yaml; then ok "--without-bundle: the same user-data (the bundle's digest in it)"; else
  not_ok "--without-bundle: user-data differs"; fi
if [ "$(blkid -o value -s LABEL out/bare.iso 2>/dev/null)" = CIDATA ]; then ok "--without-bundle: still labelled CIDATA"; else
  not_ok "--without-bundle: label $(blkid -o value -s LABEL out/bare.iso 2>/dev/null)"; fi

# --- never through a link ----------------------------------------------------------------------
echo "sentinel" >sentinel
ln -s "$work/sentinel" out/link.iso
expect 0 "image over a symbolic link" "$bundle" image --cluster site/cluster.yaml --node node-1 --bundle dist/site-3.bundle --out out/link.iso --quiet
if [ "$(cat sentinel)" = sentinel ] && [ -f out/link.iso ] && [ ! -L out/link.iso ]; then
  ok "the link was replaced, its target left alone"
else not_ok "written through the link"; fi

# --- failures leave nothing --------------------------------------------------------------------
mkdir fail
expect 2 "an unknown node" "$bundle" image --cluster site/cluster.yaml --node node-9 --bundle dist/site-3.bundle --out fail/a.iso
stderr_has "nodes: node-1, node-2, node-3" "it lists the nodes"
mv site/secrets/wireguard/node-1.key wg.saved
expect 3 "a missing secret" "$bundle" image --cluster site/cluster.yaml --node node-1 --bundle dist/site-3.bundle --out fail/b.iso
stderr_has "wireguard/node-1.key" "it names the missing file"
mv wg.saved site/secrets/wireguard/node-1.key
mkdir tampered
cp dist/site-3.bundle tampered/
# one byte of the stand-in agent's text, inside a member
at=$(grep -boa "node install running" tampered/site-3.bundle | head -n 1 | cut -d : -f 1)
printf 'X' | dd of=tampered/site-3.bundle bs=1 seek="$at" conv=notrunc 2>/dev/null
expect 11 "a tampered bundle" "$bundle" image --cluster site/cluster.yaml --node node-1 --bundle tampered/site-3.bundle --out fail/c.iso
"$bundle" keygen --out otherkey >/dev/null
expect 0 "a bundle signed by another key" "$bundle" build --image img/site.yaml --key otherkey/bundle.key --out other --quiet
expect 10 "a bundle the cluster did not sign" "$bundle" image --cluster site/cluster.yaml --node node-1 --bundle other/site-3.bundle --out fail/d.iso
expect 4 "a staging folder that does not exist" env TMPDIR="$work/no-such-dir" "$bundle" image --cluster site/cluster.yaml --node node-1 --bundle dist/site-3.bundle --out fail/e.iso
stderr_has "staging copy" "it names libarchive's staging folder"
nothing_left fail "no image and no temporary after any failure"

# --- no secret in what it prints ---------------------------------------------------------------
expect 0 "image, not quiet" "$bundle" image --cluster site/cluster.yaml --node node-1 --bundle dist/site-3.bundle --out out/loud.iso
found=$(leaks out.txt err.txt)
if [ -z "$found" ]; then ok "no secret on stdout or stderr"; else not_ok "a secret in $found"; fi
stderr_has "keep it private" "it says the image is secret"

expect 0 "--help" "$bundle" image --help
has out.txt "Example:" "--help ends with an example"

finish
