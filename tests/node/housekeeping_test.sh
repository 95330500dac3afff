#!/bin/sh
# The node agent's housekeeping, run whole against temporary roots (--root) with the recording
# stand-ins of tests/node/site.sh first in PATH (stand-ins for systemctl, nft, k3s..., not the
# real ones) and two real `bundle node serve` peers on 127.0.0.2 and 127.0.0.3 (fresh: node-1
# initialises):
#   - preflight (issue 12, point 12): a root that lacks nft, sha256sum, tar, systemd-networkd,
#     the kernel's WireGuard and free space gets one message naming each, exit 3, and nothing
#     written; the free space is the real statvfs of a small tmpfs (in a mount namespace of its
#     own, when unshare can make one);
#   - old releases (point 11): versions 1, 2, 3 and 4 installed in turn keep only the installed
#     bundle and the one before it in releases/, bundles/ (and incoming/); a failed install of a
#     new version removes nothing; what `current` points at stays; a link is removed, never
#     followed;
#   - the bootstrap unit (point 17): enabled (runcmd's `systemctl enable` linked it into
#     multi-user.target.wants), it is disabled once the install completes, never before;
#   - status (point 18): without a mesh interface it still answers and says why it shows no
#     handshakes (asked of the kernel, no `wg`).
# Usage: housekeeping_test.sh BUNDLE_BINARY [REPOSITORY_ROOT]
set -u
agent=$(realpath "$1")
repo=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
test_name=node-housekeeping
# shellcheck source=tests/payload/common.sh
. "$repo/tests/payload/common.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"

# --- the cluster and four versions of its bundle ----------------------------------------------
stand_in_site || exit 1
for v in 1 2 3 4; do
  stand_in_image "$v" >"img/v$v.yaml"
  "$agent" build --image "img/v$v.yaml" --cluster site/cluster.yaml --out "dist$v" --quiet >/dev/null 2>&1 ||
    { not_ok "build version $v"; finish; exit 1; }
done
release_of() { echo "$1-$(sha256sum "dist$1/site-$1.bundle" | cut -c1-12)"; }
use_stand_ins
start_peers dist1
ready=10  # seconds the readiness checks of install_node wait

# --- preflight ----------------------------------------------------------------------------------
# The bare root: the node's files, but no systemd-networkd, no time service and no WireGuard under
# it; a PATH with none of nft, sha256sum and tar; /var on a tmpfs smaller than twice the bundle
# (statvfs is the real one: the tmpfs is mounted in a mount namespace of the agent's own).
bare=$work/bare
node_root node-1 "$bare" dist1/cloud-init/node-1.yaml
rm -rf "${bare:?}/lib"
mkdir -p "$work/thin" "$bare/var"
ln -s "$bin/standin" "$work/thin/systemctl"
(cd "$bare" && find . | sort) >bare-before.txt
size=$(stat -c %s dist1/site-1.bundle)
mark
if unshare -m true 2>/dev/null; then
  # shellcheck disable=SC2016 # expanded by the inner shell
  expect 3 "preflight: a root that lacks seven things" unshare -m sh -c '
    mount -t tmpfs -o size="$1" bundle-test "$2/var" || exit 99
    status=0
    PATH=$3 "$4" node install --config "$2/etc/bundle/node.yaml" --root "$2" --bundle "$5" || status=$?
    find "$2/var" -mindepth 1 >"$6"  # what the agent wrote on the tmpfs, which goes with the namespace
    exit "$status"' \
    preflight "$size" "$bare" "$work/thin" "$agent" "$work/dist1/site-1.bundle" "$work/on-tmpfs.txt"
  if [ -f on-tmpfs.txt ] && [ ! -s on-tmpfs.txt ]; then ok "nothing written on the tmpfs"; else
    not_ok "written on the tmpfs: $(cat on-tmpfs.txt 2>&1)"
  fi
  stderr_has "free space: " "preflight names the free space, measured on the tmpfs"
  stderr_has "the bundle needs $((2 * size)) bytes" "twice the bundle's size, in bytes"
else
  echo "# unshare -m is not allowed here: the free-space check is shown by tests/node/preflight_test.cpp only"
  expect 3 "preflight: a root that lacks six things" env PATH="$work/thin" \
    "$agent" node install --config "$bare/etc/bundle/node.yaml" --root "$bare" --bundle "$work/dist1/site-1.bundle"
fi
stderr_has "bundle: error: this node lacks what the install needs; nothing was changed:" "one message"
for what in "nft: not found in PATH" "sha256sum: not found in PATH" "tar: not found in PATH" \
  "systemd-networkd: neither its program nor its unit under $bare/lib/systemd" \
  "network time: no service that \`timedatectl set-ntp\` can turn on" \
  "the kernel's wireguard module: not loaded ($bare/sys/module/wireguard)"; do
  stderr_has "  - $what" "preflight names: $what"
done
if [ "$(grep 'bundle: error:' err.txt | grep -vc 'bundle: error:   - ')" -eq 1 ]; then
  ok "one error, its lines naming each thing"
else not_ok "more than one error"; fi
(cd "$bare" && find . | sort) >bare-after.txt
if diff bare-before.txt bare-after.txt >/dev/null; then ok "preflight wrote nothing under the root"; else
  not_ok "preflight wrote"; diff bare-before.txt bare-after.txt | sed 's/^/#   /'
fi
new_calls
if [ -s new_calls.txt ]; then not_ok "preflight ran commands"; else ok "preflight ran no command"; fi
stand_in_os "$bare"
expect 0 "once the image has everything, the same root installs" install_node "$bare" --bundle dist1/site-1.bundle

# --- versions 1 to 4 in turn: only the installed one and the one before it stay -----------------
root=$work/node
node_root node-1 "$root" dist1/cloud-init/node-1.yaml
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s ../bundle-bootstrap.service "$root/etc/systemd/system/multi-user.target.wants/bundle-bootstrap.service"
bd=$root/var/lib/bundle

# deliver VERSION: the bundle into incoming/, as the bootstrap script leaves it (the install
# hard-links it into bundles/: the same inode, so the copy in incoming/ must go too)
deliver() {
  node_root node-1 "$root" "dist$1/cloud-init/node-1.yaml"
  mkdir -p "$bd/incoming"
  cp "dist$1/site-$1.bundle" "$bd/incoming/"
}
# holds NAME FOLDER ENTRIES...: FOLDER holds exactly ENTRIES
holds() {
  name=$1 folder=$2
  shift 2
  got=$(find "$folder" -mindepth 1 -maxdepth 1 -printf "%f\n" | sort | tr "\n" " ")
  want=$(for e in "$@"; do echo "$e"; done | sort | tr '\n' ' ')
  if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name: $got (wanted $want)"; fi
}

deliver 1
: >"$state/nft-fails"
mark
expect 17 "version 1, a first attempt that fails" install_node "$root" --bundle "$bd/incoming/site-1.bundle"
new_calls
if grep -q "^systemctl disable" new_calls.txt; then not_ok "a failed install disabled the bootstrap unit"; else
  ok "a failed install leaves the bootstrap unit enabled (a reboot resumes it)"
fi
rm "$state/nft-fails"
mark
expect 0 "version 1 installs" install_node "$root"
new_calls
last=$(grep -n . new_calls.txt | tail -n 1)
case $last in
  *":systemctl disable bundle-bootstrap.service") ok "the bootstrap unit is disabled, last, once the install completed" ;;
  *) not_ok "no disable last: $last" ;;
esac
stderr_has "bundle-bootstrap.service disabled: the node is installed" "it says so"
# What `systemctl disable` does (the stand-in only records): the link goes.
rm "$root/etc/systemd/system/multi-user.target.wants/bundle-bootstrap.service"
mark
expect 0 "an installed node's install at boot" install_node "$root"
new_calls
if [ -s new_calls.txt ]; then not_ok "it ran commands"; sed 's/^/#   /' new_calls.txt; else ok "it runs nothing (no disable either)"; fi
holds "after version 1: releases/ holds 1" "$bd/releases" "$(release_of 1)"

deliver 2
expect 0 "version 2 installs" install_node "$root" --bundle "$bd/incoming/site-2.bundle"
holds "after version 2: releases/ holds 1 and 2" "$bd/releases" "$(release_of 1)" "$(release_of 2)"
holds "after version 2: bundles/ holds 1 and 2" "$bd/bundles" site-1.bundle site-2.bundle

deliver 3
: >"$state/cilium-fails"
ready=1
expect 17 "version 3, unhealthy" install_node "$root" --bundle "$bd/incoming/site-3.bundle"
ready=10
holds "a failed install of version 3 removes no release" "$bd/releases" "$(release_of 1)" "$(release_of 2)" "$(release_of 3)"
holds "nor a bundle" "$bd/bundles" site-1.bundle site-2.bundle site-3.bundle
holds "nor an incoming copy" "$bd/incoming" site-1.bundle site-2.bundle site-3.bundle
rm "$state/cilium-fails"
expect 0 "version 3, healthy once Cilium is" install_node "$root"
holds "after version 3: releases/ holds 2 and 3" "$bd/releases" "$(release_of 2)" "$(release_of 3)"
holds "after version 3: bundles/ holds 2 and 3" "$bd/bundles" site-2.bundle site-3.bundle
holds "after version 3: incoming/ lost version 1's copy" "$bd/incoming" site-2.bundle site-3.bundle
stderr_has "removed releases/$(release_of 1)" "the journal says what was removed"

deliver 4
expect 0 "version 4 installs" install_node "$root" --bundle "$bd/incoming/site-4.bundle"
holds "after version 4: releases/ holds 3 and 4" "$bd/releases" "$(release_of 3)" "$(release_of 4)"
holds "after version 4: bundles/ holds 3 and 4" "$bd/bundles" site-3.bundle site-4.bundle
if [ "$(readlink "$bd/current")" = "releases/$(release_of 4)" ]; then ok "current is version 4"; else not_ok "current: $(readlink "$bd/current")"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["installed"]["file"]=="site-4.bundle" and d["previous"]["version"]==3 and d["previous"]["file"]=="site-3.bundle" else 1)' "$bd/state.json"; then
  ok "state.json: installed 4, previous 3, with their files"
else not_ok "state.json"; sed 's/^/#   /' "$bd/state.json"; fi

# --- what current points at stays; links are removed, never followed -------------------------------
mkdir -p "$bd/releases/0-000000000000/bin" "$work/outside/dir"
echo kept >"$bd/releases/0-000000000000/bin/bundle"
echo sentinel >"$work/outside/dir/sentinel"
echo sentinel >"$work/outside/file"
ln -s "$work/outside/dir" "$bd/releases/9-ffffffffffff"
ln -s "$work/outside/file" "$bd/bundles/site-9.bundle"
ln -s "$work/outside/file" "$bd/incoming/site-9.bundle"
ln -sfn releases/0-000000000000 "$bd/current"
expect 0 "a rerun while current points at an older release" install_node "$root"
holds "current's release stays, with 3 and 4" "$bd/releases" 0-000000000000 "$(release_of 3)" "$(release_of 4)"
holds "the linked bundle is gone from bundles/" "$bd/bundles" site-3.bundle site-4.bundle
if [ "$(cat "$work/outside/dir/sentinel" "$work/outside/file")" = "sentinel
sentinel" ]; then ok "nothing outside was removed through a link"; else not_ok "a link was followed"; fi
ln -sfn "releases/$(release_of 4)" "$bd/current"

# --- status: handshakes asked of the kernel -------------------------------------------------------
# No `wg` is needed (stock images lack it): status asks the kernel over netlink. This machine has
# no wg-mesh (and maybe no WireGuard at all), so status must still answer, saying why it shows
# none; the ages themselves are in tests/node/status_test.cpp and, read from a live interface,
# in the VM scenarios (tests/vm/cluster_scenarios.sh).
expect 0 "status without a mesh interface" "$agent" node status --config "$root/etc/bundle/node.yaml" --root "$root"
if grep -qE "unknown: wg-mesh: (no such interface|the kernel has no WireGuard)" out.txt; then ok "status says why it shows no handshakes"; else
  not_ok "status's mesh note"; sed 's/^/#   /' out.txt
fi
expect 0 "status --json" "$agent" node status --json --config "$root/etc/bundle/node.yaml" --root "$root"
if python3 -c '
import json, sys
m = json.load(open("out.txt"))["mesh"]
sys.exit(0 if m["handshakes"] == [] and m["note"].startswith("unknown: wg-mesh: ") else 1)'; then
  ok "status --json: no handshakes, and the note"
else not_ok "status --json mesh"; sed 's/^/#   /' out.txt; fi

finish
