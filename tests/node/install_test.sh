#!/bin/sh
# `bundle node install` run whole against a temporary root (--root) with recording stand-ins for
# systemctl, networkctl, nft, sysctl, sshd, timedatectl and k3s first in PATH: a real bundle
# built by `bundle build --cluster` (stand-ins for the K3s binary, its install.sh, images, the
# Cilium chart and Argo CD's manifest; the real payload and the real node agent inside), the
# node's files written from its real user-data, and its two peers answering as real
# `bundle node serve` processes on 127.0.0.2 and 127.0.0.3 (fresh: no cluster, so node-1
# initialises). Checks: every file where K3s expects it, every command in order, a rerun that
# does nothing, status --json, a second concurrent install refused, a failing payload script
# named and resumed after, a foreign bundle and an older bundle refused, a missing mesh file
# named, a readiness wait that times out with the check's last answer, status when k3s and wg
# cannot run, and installs killed at points spread over an install's time, then rerun to the
# same end state.
# Usage: install_test.sh BUNDLE_BINARY [REPOSITORY_ROOT]
set -u
agent=$(realpath "$1")
repo=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
test_name=node-install
# shellcheck source=tests/payload/common.sh
. "$repo/tests/payload/common.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"

# --- the cluster, the bundle and the peers: real agents, fresh ---------------------------------
stand_in_site || exit 1
build_site 3 dist "build the node's bundle"
build_site 2 old "build an older one"
b=$work/dist/site-3.bundle
use_stand_ins
start_peers dist
serve3=${pids##* }  # the last one: node-3's

# --- a whole install ----------------------------------------------------------------------------
node_root node-1 "$root"
mark
expect 0 "install node-1" install_node "$root" --bundle "$b"
new_calls
cp new_calls.txt first_calls.txt
for path in /var/lib/bundle/bundles/site-3.bundle /usr/local/bin/bundle /usr/local/bin/k3s \
  /var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst \
  /var/lib/rancher/k3s/server/static/charts/cilium-1.18.14.tgz /etc/rancher/k3s/config.yaml \
  /etc/rancher/k3s/cluster-token /var/lib/rancher/k3s/server/manifests/bundle-cilium.yaml \
  /var/lib/rancher/k3s/server/manifests/bundle-argocd.yaml \
  /var/lib/rancher/k3s/server/manifests/bundle-gitops-root.yaml \
  /var/lib/rancher/k3s/server/manifests/bundle-priorityclasses.yaml \
  /etc/ssh/sshd_config.d/50-bundle.conf /etc/nftables.d/bundle.nft /etc/sysctl.d/90-bundle.conf \
  /etc/systemd/journald.conf.d/50-bundle.conf /etc/systemd/system/bundle-node.service \
  /etc/systemd/system/k3s.service; do
  if [ -f "$root$path" ]; then ok "installed: $path"; else not_ok "missing: $path"; fi
done
if [ "$(stat -c %d:%i "$b")" = "$(stat -c %d:%i "$root/var/lib/bundle/bundles/site-3.bundle")" ]; then
  ok "the bundle was hard-linked, not copied (the agent's own file, same filesystem)"
else not_ok "the bundle was copied"; fi
if cmp -s "$root/usr/local/bin/bundle" stand-in-agent; then ok "the node agent is the bundle's"; else not_ok "the node agent differs"; fi
if [ "$(readlink "$root/var/lib/bundle/current")" = "releases/3-$(sha256sum "$b" | cut -c1-12)" ]; then
  ok "current points at the release"
else not_ok "current: $(readlink "$root/var/lib/bundle/current")"; fi
has "$root/etc/rancher/k3s/config.yaml" "cluster-init: true" "node-1 initialises: every peer said no cluster"
has "$root/etc/rancher/k3s/config.yaml" "node-ip: 127.0.0.1" "K3s on the mesh address"
has "$root/var/lib/rancher/k3s/server/manifests/bundle-gitops-root.yaml" "clusters/prod" "the GitOps root app of node.yaml"
# The order: harden (sysctl, nft) -> mesh (networkd, the agent's unit) -> k3s (install.sh, /readyz) -> health
order=$(grep -E '^(sshd -t|nft -f|sysctl --system|systemctl enable --now systemd-networkd.service|systemctl restart bundle-node.service|install.sh|k3s kubectl wait|k3s kubectl -n argocd)' first_calls.txt | cut -d' ' -f1-3 | uniq | tr '\n' '|')
want='sshd -t -f|nft -f '"$root"'/etc/nftables.d/bundle.nft|sysctl --system|systemctl enable --now|systemctl restart bundle-node.service|install.sh |k3s kubectl wait|k3s kubectl -n|'
if [ "$order" = "$want" ]; then ok "commands in phase order"; else not_ok "command order: $order"; fi
has "$root/var/lib/bundle/journal.log" "health done" "the journal records each phase"
has err.txt "bundle node: harden: | changed /etc/nftables.d/bundle.nft" "script output on stderr under the phase's name"
token=$(cat site/secrets/k3s-token)
if grep -qF -- "$token" err.txt out.txt "$root/var/lib/bundle/journal.log" "$calls"; then not_ok "the token leaked"; else ok "the token is in no log and no argv"; fi

mark
expect 0 "install again" install_node "$root" --bundle "$b"
new_calls
if [ -s new_calls.txt ]; then not_ok "the rerun ran commands"; sed 's/^/#   /' new_calls.txt; else ok "the rerun runs nothing"; fi
stderr_has "health: done before" "the rerun says each phase was done"

expect 0 "status --json" "$agent" node status --json --config "$root/etc/bundle/node.yaml" --root "$root"
if python3 -c 'import json,sys; d=json.load(open("out.txt")); sys.exit(0 if d["installed"]["version"]==3 and d["role"]=="init" and len(d["phases_done"])==7 and d["checks"]["k3s-ready"]["ok"] else 1)'; then
  ok "status: installed 3, initialised, 7 phases, K3s ready"
else not_ok "status --json"; sed 's/^/#   /' out.txt; fi
if python3 -c '
import json, sys
p = json.load(open("out.txt"))["peers"]
sys.exit(0 if [(x["node"], x["address"], x["reachable"], x["same_settings"]) for x in p]
         == [("node-2", "127.0.0.2", True, True), ("node-3", "127.0.0.3", True, True)]
         and all(x["state"] in ("none", "initialising", "member") for x in p) else 1)'; then
  ok "status --json: what each peer says of itself (its state, the same settings)"
else not_ok "status --json peers"; sed 's/^/#   /' out.txt; fi
expect 0 "status" "$agent" node status --config "$root/etc/bundle/node.yaml" --root "$root"
has out.txt "  node-3 (127.0.0.3): " "status names each peer and what it says"
has out.txt "role:      initialised the cluster" "status says how the node entered the cluster"

# --- refusals -----------------------------------------------------------------------------------
flock -n "$root/var/lib/bundle/install.lock" sleep 3 &
holder=$!
sleep 0.3
expect 16 "a second install while one runs" install_node "$root" --bundle "$b"
stderr_has "another \`bundle node install\` is running" "it says another install runs"
wait "$holder"

node_root node-1 old-node "old/cloud-init/node-1.yaml"
expect 15 "an older bundle is refused" "$agent" node install --config old-node/etc/bundle/node.yaml --root "$root" --bundle old/site-2.bundle
stderr_has "version 3 is installed" "it names the installed version"
if [ "$(readlink "$root/var/lib/bundle/current")" = "releases/3-$(sha256sum "$b" | cut -c1-12)" ]; then
  ok "after the refusal the node still runs version 3"
else not_ok "current changed"; fi

node_root node-1 "$work/foreign"
expect 11 "a bundle that node.yaml does not name" install_node "$work/foreign" --bundle old/site-2.bundle
stderr_has "is not the bundle node.yaml names" "it says which"
if [ ! -e "$work/foreign/var/lib/bundle/bundles/site-3.bundle" ]; then ok "nothing was installed"; else not_ok "a bundle was kept"; fi

chmod 644 "$work/foreign/etc/bundle/node.yaml"
expect 3 "a node.yaml others can read" install_node "$work/foreign" --bundle "$b"
stderr_has "mode 0644" "it names the mode"
chmod 600 "$work/foreign/etc/bundle/node.yaml"

# --- a payload script fails, then the rerun resumes ------------------------------------------
node_root node-1 "$work/fails"
: >"$state/nft-fails"
expect 17 "install with a failing firewall script" install_node "$work/fails" --bundle "$b"
stderr_has "payload/harden/20-firewall.sh: exited with status" "the failing script is named with its status"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["phase"]=="harden" and "20-firewall" in d["last_error"] and d["phases_done"]==["obtain","extract"] else 1)' "$work/fails/var/lib/bundle/state.json"; then
  ok "the state says where it stopped and why"
else not_ok "state after the failure"; sed 's/^/#   /' "$work/fails/var/lib/bundle/state.json"; fi
rm "$state/nft-fails"
expect 0 "the rerun completes" install_node "$work/fails"
stderr_has "extract: done before" "it resumes after the phases done"

# --- the mesh files are missing ------------------------------------------------------------------
node_root node-1 "$work/nomesh"
netdev=$(cd "$work/nomesh" && ls etc/systemd/network/*.netdev)
mv "$work/nomesh/$netdev" netdev.saved
cp "$b" shared.bundle
chmod 664 shared.bundle  # others could change it: copied, not linked
expect 3 "install without the WireGuard netdev file" install_node "$work/nomesh" --bundle shared.bundle
stderr_has "$work/nomesh/$netdev: is missing" "it names the missing file"
stderr_has "obtain: copying shared.bundle" "a group-writable bundle is copied"
if [ "$(stat -c %i shared.bundle)" != "$(stat -c %i "$work/nomesh/var/lib/bundle/bundles/site-3.bundle")" ]; then
  ok "the copy is a file of its own"
else not_ok "a group-writable bundle was linked"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["phase"]=="mesh" else 1)' "$work/nomesh/var/lib/bundle/state.json"; then
  ok "the state says the mesh phase stopped"
else not_ok "state after the missing file"; fi
mv netdev.saved "$work/nomesh/$netdev"
expect 0 "once the file is back the rerun completes" install_node "$work/nomesh"

# --- a readiness check never says yes -----------------------------------------------------------
node_root node-1 "$work/slow"
: >"$state/cilium-fails"
expect 17 "install while Cilium never becomes ready" "$agent" node install --config "$work/slow/etc/bundle/node.yaml" \
  --root "$work/slow" --poll-ms 50 --ready-timeout 1 -j 2 --bundle "$b"
stderr_has "(last: error: stand-in: daemon set cilium has 0 of 3 ready): Cilium runs on every node did not happen" \
  "the timeout says what was awaited and the check's last answer"
rm "$state/cilium-fails"
expect 0 "the rerun waits again and completes" install_node "$work/slow"
stderr_has "Cilium runs on every node: yes" "it says when the wait is over"

# --- etcd advertises another address -----------------------------------------------------------
node_root node-1 "$work/etcd"
echo 203.0.113.7 >"$state/etcd-address"
expect 17 "install while etcd advertises a public address" install_node "$work/etcd" --bundle "$b"
stderr_has "node node-1: etcd advertises 203.0.113.7, not the mesh address 127.0.0.1" "it names both addresses"
rm "$state/etcd-address"
expect 0 "the rerun completes once etcd is on the mesh" install_node "$work/etcd"
stderr_has "etcd advertises the mesh address 127.0.0.1" "it says so"

# --- disaster recovery: a forced init keeps the database and resets its membership -------------
node_root node-1 "$work/dr"
mkdir -p "$work/dr/var/lib/rancher/k3s/server/db/etcd"
echo "the old cluster" >"$work/dr/var/lib/rancher/k3s/server/db/etcd/member"
rm -f "$state/k3s-active"  # the peers answer none, once their last answer (kept 1 s) is stale
sleep 1.1
expect 0 "bootstrap --force-init" "$agent" node bootstrap --force-init --config "$work/dr/etc/bundle/node.yaml" --root "$work/dr"
: >"$state/reset-fails"
expect 17 "a forced init whose cluster reset fails" install_node "$work/dr" --bundle "$b"
stderr_has "k3s server --cluster-reset: exited with status 1" "the failed reset is named with its status"
rm "$state/reset-fails"
mark
expect 0 "the rerun runs the reset again and completes" install_node "$work/dr"
new_calls
order=$(grep -E '^(k3s server --cluster-reset|install\.sh)' new_calls.txt | cut -d' ' -f1-3 | tr '\n' '|')
if [ "$order" = "k3s server --cluster-reset|install.sh |" ]; then ok "the reset runs before K3s starts"; else not_ok "reset order: $order"; fi
stderr_has "cluster reset done: this node is the only etcd member" "it says what the reset did"
if [ -f "$work/dr/var/lib/rancher/k3s/server/db/etcd/member" ]; then ok "the database was kept"; else not_ok "the database is gone"; fi
if grep -q cluster_reset "$work/dr/var/lib/bundle/state.json"; then not_ok "state.json still has a reset to run"; else ok "no reset left to run"; fi

# The survivor of a lost cluster is installed already (every phase done): --force-init makes the
# next install take the decision again and reset the database it kept.
mkdir -p "$work/etcd/var/lib/rancher/k3s/server/db/etcd"
rm -f "$state/k3s-active"
sleep 1.1
expect 0 "bootstrap --force-init on an installed node" "$agent" node bootstrap --force-init \
  --config "$work/etcd/etc/bundle/node.yaml" --root "$work/etcd"
: >"$state/k3s-active"  # K3s runs on the survivor, waiting for a quorum
# and its configuration differs from what 10-config.sh writes (K3s is restarted for it, but only
# after the reset):
echo "# as the survivor had it" >>"$work/etcd/etc/rancher/k3s/config.yaml"
mark
expect 0 "the next install honours it" install_node "$work/etcd"
new_calls
stderr_has "taking the bootstrap decision again (disaster recovery)" "it says why the K3s phase runs again"
order=$(grep -E '^(systemctl (stop|start|restart)( --no-block)? k3s|k3s server --cluster-reset|k3s kubectl -n argocd)' new_calls.txt | cut -d' ' -f1-3 | uniq | tr '\n' '|')
if [ "$order" = "systemctl stop k3s.service|k3s server --cluster-reset|systemctl restart --no-block|k3s kubectl -n|" ]; then
  ok "K3s stopped (never restarted on the old database), reset, started again, then health again"
else not_ok "after --force-init: $order"; fi
if [ ! -e "$work/etcd/var/lib/bundle/force-init" ]; then ok "the marker is used up"; else not_ok "the marker is still there"; fi

# --- status when the node's programs cannot run -----------------------------------------------
# No k3s in PATH; the mesh is asked of the kernel (no `wg`), which has no wg-mesh here.
expect 0 "status --json without k3s and without the mesh" env PATH=/nonexistent "$agent" node status --json \
  --config "$root/etc/bundle/node.yaml" --root "$root"
if python3 -c '
import json, sys
d = json.load(open("out.txt"))
k = d["checks"]["k3s-ready"]
sys.exit(0 if not k["ok"] and k["detail"].startswith("unknown:") and "k3s" in k["detail"]
         and d["mesh"]["note"].startswith("unknown: wg-mesh: ")
         and len(d["peers"]) == 2 and d["installed"]["version"] == 3 else 1)'; then
  ok "status: K3s and the mesh are unknown (naming what could not run), the install state still shown"
else not_ok "status without k3s and without the mesh"; sed 's/^/#   /' out.txt; fi

# --- killed at random points, then rerun --------------------------------------------------------
# tree ROOT: every file and link under ROOT but the journal and the lock, with its mode and digest;
# state.json without its time.
tree() {
  (cd "$1" && find . \( -type f -o -type l \) ! -path ./var/lib/bundle/journal.log ! -path ./var/lib/bundle/install.lock \
    ! -path ./var/lib/bundle/state.json -printf '%p %m %l\n' | sort | while read -r p m l; do
    if [ -f "$p" ] && [ ! -L "$p" ]; then echo "$p $m $(sha256sum <"$p" | cut -c1-16)"; else echo "$p -> $l"; fi
  done
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("updated"); print(json.dumps(d, sort_keys=True))' var/lib/bundle/state.json)
}
tree "$root" >reference.txt
# How long a whole install takes now, on a fresh root: the kills below aim at shares of it.
node_root node-1 "$work/timed"
rm -f "$state/k3s-active"
started=$(date +%s.%N)
install_node "$work/timed" --bundle "$b" >/dev/null 2>&1
took=$(python3 -c "print(max(0.2, $(date +%s.%N) - $started))")
echo "# a whole install took $took s"
kills=0
i=0
for share in 0.03 0.1 0.2 0.3 0.45 0.6 0.8 1.0; do
  i=$((i + 1))
  r=$work/kill$i
  node_root node-1 "$r"
  rm -f "$state/k3s-active"
  (exec "$agent" node install --config "$r/etc/bundle/node.yaml" --root "$r" --poll-ms 50 --ready-timeout 10 -j 2 \
    --bundle "$b" >/dev/null 2>&1) &
  p=$!
  # Kill it at points spread over the time the first whole install took, give or take a few
  # milliseconds.
  sleep "$(python3 -c "import random; print(round($share * $took + random.uniform(0, 0.05), 3))")"
  kill -9 "$p" 2>/dev/null && kills=$((kills + 1))
  wait "$p" 2>/dev/null
  phase=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phase"] or "done")' "$r/var/lib/bundle/state.json" 2>/dev/null || echo before-state)
  install_node "$r" --bundle "$b" >out.txt 2>err.txt
  status=$?
  tree "$r" >got.txt
  if [ "$status" -eq 0 ] && diff reference.txt got.txt >diff.txt; then ok "killed in $phase, rerun: the same end state"; else
    not_ok "killed in $phase, rerun (exit $status)"
    sed 's/^/#   /' diff.txt err.txt | tail -20
  fi
done
echo "# $kills of $i installs were killed before they ended"

# --- a peer that does not answer ----------------------------------------------------------------
kill "$serve3"
wait "$serve3" 2>/dev/null
expect 0 "status --json while node-3's agent is down" "$agent" node status --json \
  --config "$root/etc/bundle/node.yaml" --root "$root"
if python3 -c '
import json, sys
p = {x["node"]: x for x in json.load(open("out.txt"))["peers"]}
sys.exit(0 if p["node-2"]["reachable"] and not p["node-3"]["reachable"] and p["node-3"]["failure"] else 1)'; then
  ok "status: node-3 unreachable, with the reason, node-2 still answering"
else not_ok "status with node-3 down"; sed 's/^/#   /' out.txt; fi

finish
