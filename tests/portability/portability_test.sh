#!/bin/sh
# The node agent is the `bundle` binary that every bundle carries as bin/bundle, and it runs on a
# stock Debian 12 or Ubuntu 24.04 cloud image with nothing added (issue 5, point 7). This test
#  1. builds a portable Release `bundle` (BUNDLE_PORTABLE, builder/portable/) in WORK/release, or
#     takes the one given as BUNDLE or in $BUNDLE_PORTABLE_BUNDLE (e.g. ci/build-default's
#     build/release/builder/bundle, the one images/ovh-ha3.yaml ships);
#  2. checks on the host that it links the C++ runtime, yaml-cpp, libarchive and xxHash in, and
#     that no symbol it imports needs a glibc newer than 2.35;
#  3. debootstraps Debian 12 (minbase, plus curl and ca-certificates) from this machine's own apt
#     source into WORK/debootstrap/, kept between runs and keyed by suite, variant and packages;
#  4. runs, chrooted in that root: `bundle --version` with every symbol bound at start, ldd,
#     `bundle verify` and `bundle extract` of a bundle the same binary built and signed on the
#     host, the extracted agent, and `bundle node install --root`.
# The apt source is the first enabled `deb` source for bookworm in /etc/apt/sources.list and
# /etc/apt/sources.list.d/ (both formats); BUNDLE_DEBIAN_MIRROR=URL overrides it. Needs root
# (chroot); without it, it says so and exits 77, CTest's "skipped".
# Usage: portability_test.sh SOURCE_DIR WORK_DIR [BUNDLE]
set -u
src=$(cd "$1" && pwd)
mkdir -p "$2" && work=$(cd "$2" && pwd)
given=""
binary=${3:-${BUNDLE_PORTABLE_BUNDLE:-}}
[ -n "$binary" ] && given=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
suite=bookworm
packages=curl,ca-certificates
glibc_max=2.35
started=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
  echo "ok - portability # SKIP needs root (debootstrap and chroot)"
  exit 77
fi
# shellcheck disable=SC1091 # harness.sh is checked on its own
. "$src/tests/cli/harness.sh"
skip() { echo "ok - $1 # SKIP $2"; }

run=$(mktemp -d "$work/run-XXXXXX")
in_root_dir=""
server=""
peers=""
cleanup() {
  for pid in $server $peers; do kill "$pid" 2>/dev/null; done
  # Nothing is mounted by this script (the root needs no /proc), but a killed debootstrap can
  # leave its mounts behind: take down whatever is mounted under the work folder, deepest first.
  awk -v top="$work/" 'index($2, top) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m"
  done
  [ -n "$in_root_dir" ] && rm -rf "$in_root_dir"
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
cd "$run" || exit 1

# 1. The binary under test.
if [ -n "$given" ]; then
  bundle=$given
else
  bundle=$work/release/builder/bundle
  if cmake -S "$src" -B "$work/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUNDLE_TESTS=OFF \
    -DBUNDLE_PORTABLE=ON >"$work/release.log" 2>&1 && cmake --build "$work/release" --target bundle >>"$work/release.log" 2>&1; then
    ok "portable Release build of bundle in $work/release"
  else
    not_ok "portable Release build of bundle in $work/release (log: $work/release.log)"
    tail -n 30 "$work/release.log" | sed 's/^/#   /'
  fi
fi
if [ ! -x "$bundle" ]; then not_ok "no bundle binary at $bundle"; finish; exit 1; fi
echo "# bundle: $bundle ($(wc -c <"$bundle") bytes)"

# 2. What it needs from the system.
needed=$(readelf --wide --dynamic "$bundle" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
echo "# NEEDED: $(echo "$needed" | tr '\n' ' ')"
linked_in=$(echo "$needed" | grep -E '^lib(stdc\+\+|gcc_s|yaml-cpp|archive|xxhash)\.so' | tr '\n' ' ')
if [ -z "$linked_in" ]; then ok "the C++ runtime, yaml-cpp, libarchive and xxHash are linked in"; else
  not_ok "linked dynamically, but a stock node lacks or may lack them: $linked_in"; fi
if readelf --wide --version-info "$bundle" | grep -qE 'Name: (GLIBCXX|CXXABI)_'; then
  not_ok "no symbol from the system's libstdc++"; else ok "no symbol from the system's libstdc++"; fi
highest=$(readelf --wide --version-info "$bundle" | sed -n 's/.*Name: GLIBC_\([0-9.]*\) .*/\1/p' | sort -uV | tail -n 1)
echo "# highest glibc symbol version: GLIBC_$highest, for:" \
  "$(readelf --wide --dyn-syms "$bundle" | grep -o "[A-Za-z0-9_]*@GLIBC_$highest\\b" | sort -u | tr '\n' ' ')"
if [ -n "$highest" ] && [ "$(printf '%s\n%s\n' "$highest" "$glibc_max" | sort -V | tail -n 1)" = "$glibc_max" ]; then
  ok "highest glibc symbol version GLIBC_$highest <= $glibc_max"
else
  not_ok "highest glibc symbol version GLIBC_$highest <= $glibc_max"
  readelf --wide --dyn-syms "$bundle" | grep -E '@GLIBC_2\.(3[6-9]|[4-9][0-9])' | sed 's/^/#   /'
fi

# 3. Debian 12 minbase + curl + ca-certificates, from the machine's own apt source.
# apt_source SUITE: the URI of the first enabled `deb` source for SUITE, one-line or deb822.
apt_source() {
  set -- /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
  for f in "$@"; do [ -f "$f" ] && echo "$f"; done | while read -r f; do
    awk -v suite="$suite" -v deb822="$(case $f in *.sources) echo 1 ;; *) echo 0 ;; esac)" '
      function has(list, word,   n, i, w) { n = split(list, w); for (i = 1; i <= n; i++) if (w[i] == word) return 1; return 0 }
      function stanza() {
        if (has(types, "deb") && has(suites, suite) && tolower(enabled) != "no") { split(uris, u); print u[1] }
        types = uris = suites = enabled = key = ""
      }
      deb822 && /^[ \t]*$/ { stanza(); next }
      deb822 && /^#/ { next }
      deb822 && /^[ \t]/ { if (key == "types") types = types " " $0; else if (key == "uris") uris = uris " " $0; else if (key == "suites") suites = suites " " $0; next }
      deb822 {
        key = tolower($0); sub(/:.*/, "", key); v = $0; sub(/^[^:]*:/, "", v)
        if (key == "types") types = v; else if (key == "uris") uris = v; else if (key == "suites") suites = v; else if (key == "enabled") { enabled = v; gsub(/[ \t]/, "", enabled) }
        next
      }
      { line = $0; sub(/#.*/, "", line); gsub(/\[[^]]*\]/, "", line); n = split(line, w)
        if (n >= 3 && w[1] == "deb" && w[3] == suite) print w[2] }
      END { if (deb822) stanza() }' "$f"
  done | grep -E '^(https?|ftp|file):' | head -n 1
}
mirror=${BUNDLE_DEBIAN_MIRROR:-$(apt_source)}
key=$(printf '%s %s %s\n' "$suite" minbase "$packages" | sha256sum | cut -c1-12)
cache=$work/debootstrap
root=$cache/debian12-minbase-$key
mkdir -p "$cache"
if [ -f "$root/.complete" ]; then
  ok "Debian 12 minbase + $packages, cached in $root"
elif [ -z "$mirror" ]; then
  not_ok "no apt source for $suite in /etc/apt/sources.list{,.d}: set BUNDLE_DEBIAN_MIRROR=URL"
else
  echo "# debootstrap $suite minbase + $packages from $mirror (once; kept in $cache)"
  (
    flock 9
    if [ ! -f "$root/.complete" ]; then
      rm -rf "$root.partial"
      # In a mount namespace of its own, so that the mounts it makes end with it.
      unshare --mount --propagation private debootstrap --variant=minbase --include="$packages" \
        "$suite" "$root.partial" "$mirror" >"$cache/debootstrap.log" 2>&1 &&
        touch "$root.partial/.complete" && rm -rf "$root" && mv "$root.partial" "$root"
    fi
  ) 9>"$cache/.lock"
  if [ -f "$root/.complete" ]; then ok "debootstrap Debian 12 minbase + $packages"; else
    not_ok "debootstrap Debian 12 minbase + $packages (log: $cache/debootstrap.log)"
    tail -n 20 "$cache/debootstrap.log" | sed 's/^/#   /'
  fi
fi
if [ ! -f "$root/.complete" ]; then finish; exit 1; fi
echo "# Debian $(cat "$root/etc/debian_version") root, glibc $(chroot "$root" ldd --version | sed -n '1s/.* //p')"

# 4. A bundle built and signed on the host by the binary under test, with it as the node agent.
mkdir -p src/payload
echo "portable" >src/payload/hello.txt
cat >src/portable.yaml <<YAML
apiVersion: bundle/v1
kind: Image
name: portable
version: 1
arch: amd64
artifacts:
  - name: node-agent
    path: $bundle
    dest: bin/bundle
    mode: "0755"
payload: payload/
YAML
export SOURCE_DATE_EPOCH=1700000000
expect 0 "host: keygen" "$bundle" keygen --out keys
expect 0 "host: build the bundle" "$bundle" build --image src/portable.yaml --out dist --key keys/bundle.key --quiet

# Everything the root sees of this run lives in one folder of its /tmp, removed at the end.
in_root_dir=$(mktemp -d "$root/tmp/portability-XXXXXX")
in_root=/tmp/$(basename "$in_root_dir")
cp "$bundle" "$in_root_dir/bundle"
cp dist/portable-1.bundle keys/bundle.pub "$in_root_dir/"
# chrooted COMMAND...: runs COMMAND in the Debian 12 root with a clean environment
chrooted() {
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 "$@"
}

expect 0 "Debian 12: bundle --version, every symbol bound at start (LD_BIND_NOW)" \
  chrooted LD_BIND_NOW=1 "$in_root/bundle" --version
echo "#   $(cat out.txt)"
expect 0 "Debian 12: ldd" chrooted ldd "$in_root/bundle"
for library in $needed; do grep -F "$library" out.txt | sed 's/^[[:space:]]*/#   /'; done
if grep -q "not found" out.txt; then not_ok "Debian 12 carries every library bundle needs"; else
  ok "Debian 12 carries every library bundle needs"; fi
expect 0 "Debian 12: bundle verify" \
  chrooted "$in_root/bundle" verify "$in_root/portable-1.bundle" --pubkey "$in_root/bundle.pub"
expect 0 "Debian 12: bundle extract" chrooted "$in_root/bundle" extract "$in_root/portable-1.bundle" \
  --to "$in_root/extracted" --pubkey "$in_root/bundle.pub" --quiet
expect 0 "Debian 12: the extracted node agent runs" chrooted "$in_root/extracted/bin/bundle" --version

# A download through the system's libcurl, from an HTTP server on the host's loopback (a chroot
# shares the host's network).
mkdir served && head -c 1000000 /dev/urandom >served/blob.bin
python3 -c 'import functools, http.server, os, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()' "$run/served" "$run/port" 2>/dev/null &
server=$!
i=0
while [ ! -s port ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat >"$in_root_dir/fetch.yaml" <<YAML
apiVersion: bundle/v1
kind: Image
name: fetched
version: 1
arch: amd64
artifacts:
  - name: blob
    url: http://127.0.0.1:$(cat port)/blob.bin
    sha256: $(sha256sum served/blob.bin | cut -d' ' -f1)
    dest: data/blob.bin
YAML
expect 0 "Debian 12: bundle fetch over HTTP (libcurl)" chrooted "$in_root/bundle" fetch \
  --image "$in_root/fetch.yaml" --cache "$in_root/cache" --quiet

# bundle node install --root, whole, as node-1 of three: the real payload (its scripts run on the
# root's own dash, coreutils, sed and mawk), stand-ins for K3s's files, recording stand-ins for the
# commands the phases run (a minimal root has none of them), and node-2 and node-3 answering as
# real `bundle node serve` processes on the host's 127.0.0.2 and 127.0.0.3 (mesh addresses moved
# to loopback; fresh, so node-1 initialises). As tests/node/install_test.sh does on the host.
# has_command WORDS...: this bundle has the subcommand (an unknown word before --help still prints
# the top-level help, so look for the command's own usage line)
has_command() { "$bundle" "$@" --help 2>&1 | grep -q "Usage: .*$*"; }
if ! has_command node install || ! has_command node serve; then
  skip "Debian 12: bundle node install --root" "this bundle lacks \`node install\` or \`node serve\` (the peers)"
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # shellcheck source=tests/node/site.sh
  . "$src/tests/node/site.sh"
  expect 0 "host: init a three-node cluster" stand_in_cluster "$bundle" "$port"
  stand_in_image_files "$src" "$bundle"
  stand_in_image 1 >img/site.yaml
  expect 0 "host: build with --cluster (user-data)" "$bundle" build --image img/site.yaml \
    --cluster site/cluster.yaml --out cluster-dist --quiet
  # Each node's files from its user-data, and those of a stock image the hardening scripts read
  # (the cloud image's default user, whom cloud-init creates, included).
  r=$in_root_dir/r
  for n in 1 2 3; do
    dir=$r
    [ "$n" -eq 1 ] || dir=$run/peer$n
    node_files "$src" "cluster-dist/cloud-init/node-$n.yaml" "$dir" || not_ok "node-$n's files"
  done
  mkdir -p "$r/etc/ssh"
  cp "$root/etc/os-release" "$root/etc/passwd" "$r/etc/"
  echo "debian:x:1000:1000:Debian:/home/debian:/bin/bash" >>"$r/etc/passwd"
  printf 'Include /etc/ssh/sshd_config.d/*.conf\n' >"$r/etc/ssh/sshd_config"
  for n in 2 3; do
    "$bundle" node serve --config "$run/peer$n/etc/bundle/node.yaml" --root "$run/peer$n" >"$run/serve$n.log" 2>&1 &
    peers="$peers $!"
    i=0
    until curl -fsS "http://127.0.0.$n:$port/v1/state" >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
  done
  cp cluster-dist/site-1.bundle "$in_root_dir/"
  # Stand-ins for the system's commands, not the real ones: each appends "NAME ARGS" to the calls
  # log; k3s answers /readyz (and systemctl is-active says yes) once k3s.service was started.
  mkdir "$in_root_dir/bin" "$in_root_dir/state"
  stand_in_commands "$in_root_dir/bin"
  expect 0 "Debian 12: bundle node install --root" chrooted \
    PATH="$in_root/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    CALLS="$in_root/calls.log" STATE="$in_root/state" \
    "$in_root/bundle" node install --config "$in_root/r/etc/bundle/node.yaml" --root "$in_root/r" \
    --bundle "$in_root/site-1.bundle" --poll-ms 50 --ready-timeout 10
  for path in /usr/local/bin/bundle /etc/rancher/k3s/config.yaml /etc/nftables.d/bundle.nft \
    /etc/systemd/system/k3s.service; do
    if [ -f "$r$path" ]; then ok "Debian 12: installed $path"; else not_ok "Debian 12: missing $path"; fi
  done
fi

echo "# took $(($(date +%s) - started)) s"
finish
