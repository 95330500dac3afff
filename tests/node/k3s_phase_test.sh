#!/bin/sh
# The K3s phase of `bundle node install` against what K3s and systemd do that a plain stand-in
# would not (issue 12, K3s part), run whole against temporary roots with the stand-ins of
# tests/node/site.sh (stand-ins for K3s, its install.sh and systemctl, not the real ones), each
# behaviour named after the upstream code it models:
#   - k3s.service is Type=notify with TimeoutStartSec=0 (K3s's install.sh,
#     create_systemd_service_file): a blocking `systemctl start|restart` never returns while K3s
#     is not ready. The install must not hang: it (re)starts K3s with --no-block and its readiness
#     timeout names what /readyz last said.
#   - install.sh starts K3s only when the binary, the unit or its environment changed while it ran
#     (service_enable_and_start, "No change detected so skipping service start"), and 20-airgap.sh
#     replaces the binary before it: an upgrade must still run the new binary.
#   - K3s keeps etcd's snapshots in server/db/snapshots by default (pkg/etcd/snapshot.go,
#     snapshotDir): a rejoin sets the old database aside, keeps the newest two, and never deletes
#     a snapshot.
#   - K3s names the node after the kernel's hostname unless node-name is set: the install names it
#     as cluster.yaml does, whatever the hostname.
#   - `k3s server --cluster-reset` writes server/db/reset-flag before it resets and refuses to run
#     again while it exists (pkg/etcd/etcd.go Reset; pkg/cluster/managed.go start, which removes
#     the flag at the next normal start): a retry after a reset that died is a reset done.
# Usage: k3s_phase_test.sh BUNDLE_BINARY [REPOSITORY_ROOT]
set -u
agent=$(realpath "$1")
repo=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
test_name=k3s-phase
# shellcheck source=tests/payload/common.sh
. "$repo/tests/payload/common.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"

stand_in_site || exit 1
build_site 3 dist "build the node's bundle"
# Version 4 brings another K3s binary (an upgrade).
mkdir -p img4
cp -r img/payload img/files img4/
printf 'stand-in k3s binary, the next release\n' >img4/files/k3s
stand_in_image 4 >img4/site.yaml
expect 0 "build the next bundle" "$agent" build --image img4/site.yaml --cluster site/cluster.yaml --out dist4 --quiet
use_stand_ins
start_peers dist

# install_node ROOT [ARGS...] (in place of site.sh's): node-1's install into ROOT, the stand-ins
# told that root. A timeout ends an install that hangs (the old behaviour) instead of the test.
install_node() {
  r=$1
  shift
  STANDIN_ROOT=$r timeout 30 "$agent" node install --config "$r/etc/bundle/node.yaml" --root "$r" --poll-ms 50 \
    --ready-timeout 2 -j 2 "$@"
}
# fresh_peers: the peers answer that no cluster exists once their last answer (kept 1 s) is stale.
fresh_peers() {
  rm -f "$state/k3s-active"
  sleep 1.1
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
called() { new_calls; has new_calls.txt "$1" "$2"; }
not_called() {
  new_calls
  if grep -Eq -- "$1" new_calls.txt; then not_ok "$2"; sed 's/^/#   /' new_calls.txt; else ok "$2"; fi
}

# --- 1. K3s never becomes ready: the install does not hang ------------------------------------
node_root node-1 "$work/hang"
: >"$state/k3s-never-ready"
mark
expect 17 "install while K3s never becomes ready" install_node "$work/hang" --bundle dist/site-3.bundle
stderr_has "(last: The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?): K3s answers /readyz did not happen" \
  "the readiness timeout says what /readyz last answered"
called "install.sh " "install.sh ran"
new_calls
if grep -Eq '^systemctl (start|restart) k3s' new_calls.txt; then
  not_ok "K3s was started with a blocking systemctl call"
  grep -E '^systemctl (start|restart)' new_calls.txt | sed 's/^/#   /'
else ok "every start of K3s is --no-block"; fi
has new_calls.txt "systemctl restart --no-block k3s.service" "the agent restarts K3s itself, without waiting on systemd"
rm -f "$state/k3s-never-ready"
expect 0 "once K3s gets ready the rerun completes" install_node "$work/hang"

# --- 3. the node name is cluster.yaml's, not the hostname -------------------------------------
fresh_peers
r=$work/node
node_root node-1 "$r"
mark
expect 0 "install node-1 (the kernel's hostname is $(uname -n))" install_node "$r" --bundle dist/site-3.bundle
has "$r/etc/rancher/k3s/config.yaml" "node-name: node-1" "config.yaml names the node as cluster.yaml does"
stderr_has "node node-1 is Ready: yes" "K3s's node is node-1, whatever the hostname"
if [ "$(cat "$state/k3s-running")" = "$(sha img/files/k3s)" ]; then ok "K3s runs the installed binary"; else not_ok "K3s runs another binary"; fi
if [ "$(mode_of "$r/var/lib/bundle/k3s-started.sha256" 2>/dev/null)" = 600 ]; then ok "the agent records what K3s started with (0600)"; else
  not_ok "no record of what K3s started with, 0600"
fi

# --- 1. an upgrade runs the new binary -------------------------------------------------------------
starts=$(wc -l <"$state/k3s-starts")
node_files "$repo" dist4/cloud-init/node-1.yaml "$r" || exit 1  # what `bundle push` of version 4 writes
mark
expect 0 "upgrade node-1 to a bundle with a new K3s" install_node "$r" --bundle dist4/site-4.bundle
if [ "$(cat "$state/k3s-running")" = "$(sha img4/files/k3s)" ]; then ok "after the upgrade K3s runs the new binary"; else
  not_ok "after the upgrade K3s still runs the old binary"
fi
if [ "$(wc -l <"$state/k3s-starts")" -eq $((starts + 1)) ]; then ok "K3s was restarted once"; else
  not_ok "K3s was started $(($(wc -l <"$state/k3s-starts") - starts)) times"
fi
stderr_has "restarting K3s: /usr/local/bin/k3s changed since K3s last started" "the journal says why K3s restarts"
# The same bundle again, its K3s phase run again (a forced new decision is not needed: the
# phases are rerun by a new release only), so: nothing changed, nothing restarted.
starts=$(wc -l <"$state/k3s-starts")
python3 -c '
import json, sys
p = sys.argv[1]; d = json.load(open(p)); d["phases_done"] = [x for x in d["phases_done"] if x in ("obtain", "extract", "harden", "mesh")]
json.dump(d, open(p, "w"))' "$r/var/lib/bundle/state.json"
expect 0 "the K3s phase again, nothing changed" install_node "$r"
if [ "$(wc -l <"$state/k3s-starts")" -eq "$starts" ]; then ok "an unchanged K3s is not restarted"; else not_ok "an unchanged K3s was restarted"; fi

# --- 2. a rejoin keeps every snapshot --------------------------------------------------------------
r=$work/rejoin
node_root node-1 "$r"
server=$r/var/lib/rancher/k3s/server
mkdir -p "$server/db/etcd/member" "$server/db/snapshots" "$server/db/.metadata"
echo "the removed member's data" >"$server/db/etcd/member/snap"
echo "snapshot of today" >"$server/db/snapshots/etcd-snapshot-node-1-1764800000"
echo "its metadata" >"$server/db/.metadata/etcd-snapshot-node-1-1764800000"
for day in 01 02 03; do  # databases set aside by earlier rejoins
  mkdir -p "$server/db.202401${day}T000000Z/snapshots" "$server/db.202401${day}T000000Z/etcd"
  echo "snapshot of January $day" >"$server/db.202401${day}T000000Z/snapshots/etcd-snapshot-node-1-17040${day}000"
done
find "$server" -path '*snapshots*' -type f -name 'etcd-snapshot-*' -exec cat {} + | sort >snapshots.before
: >"$state/k3s-active"  # the peers' K3s (the same stand-in) answers healthy: node-1 joins
sleep 1.1
mark
expect 0 "install node-1, which joins with an old database" install_node "$r" --bundle dist/site-3.bundle
stderr_has "joining the cluster through node-2" "node-1 joins"
stderr_has "moved this node's old database aside to $server/db.2" "the journal says where the database went"
stderr_has "removed the old database $server/db.20240101T000000Z (the newest 2 set-aside databases are kept); its snapshots are kept in $server/snapshots/old-databases/db.20240101T000000Z" \
  "the journal says which old database was pruned and where its snapshots are"
has "$r/var/lib/bundle/journal.log" "removed the old database $server/db.20240102T000000Z" "the pruning is in the journal"
find "$server" -path '*snapshots*' -type f -name 'etcd-snapshot-*' -exec cat {} + | sort >snapshots.after
if cmp -s snapshots.before snapshots.after; then ok "no snapshot was deleted"; else
  not_ok "snapshots were lost"
  diff snapshots.before snapshots.after | sed 's/^/#   /'
fi
aside=
for d in "$server"/db.*; do aside="$aside ${d##*/}"; done
case $aside in
  " db.20240103T000000Z db.2"*) ok "the newest two set-aside databases are kept ($aside)" ;;
  *) not_ok "set-aside databases: $aside" ;;
esac
if [ -f "$server/snapshots/old-databases/db.20240101T000000Z/snapshots/etcd-snapshot-node-1-1704001000" ]; then
  ok "a pruned database's snapshots are kept outside any database"
else not_ok "a pruned database's snapshots are not where the journal says"; fi
if [ ! -e "$server/db/etcd" ]; then ok "K3s joins with an empty database"; else not_ok "the old database is still in place"; fi
has "$r/etc/rancher/k3s/config.yaml" "etcd-snapshot-dir: /var/lib/rancher/k3s/server/snapshots/etcd" \
  "K3s's new snapshots go outside server/db"

# --- 4. a cluster reset that died after K3s wrote its reset flag ------------------------------------
r=$work/dr
node_root node-1 "$r"
mkdir -p "$r/var/lib/rancher/k3s/server/db/etcd"
echo "the old cluster" >"$r/var/lib/rancher/k3s/server/db/etcd/member"
fresh_peers
expect 0 "bootstrap --force-init" "$agent" node bootstrap --force-init --config "$r/etc/bundle/node.yaml" --root "$r"
: >"$state/reset-dies"
expect 17 "a forced init whose cluster reset dies after K3s wrote its flag" install_node "$r" --bundle dist/site-3.bundle
stderr_has "k3s server --cluster-reset: exited with status 137" "the dead reset is named"
if [ -e "$r/var/lib/rancher/k3s/server/db/reset-flag" ]; then ok "K3s's reset flag is left (as K3s leaves it)"; else not_ok "no reset flag"; fi
rm -f "$state/reset-dies"
mark
expect 0 "the rerun takes the reset as done and completes" install_node "$r"
stderr_has "an earlier cluster reset ran; starting K3s normally" "it says why it does not reset again"
not_called 'k3s server --cluster-reset' "no second reset (K3s would refuse it while its flag exists)"
if [ ! -e "$r/var/lib/rancher/k3s/server/db/reset-flag" ]; then ok "K3s's normal start removed the flag"; else not_ok "the flag is still there"; fi
if grep -q cluster_reset "$r/var/lib/bundle/state.json"; then not_ok "state.json still has a reset to run"; else ok "no reset left to run"; fi

finish
