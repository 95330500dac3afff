#!/bin/sh
# A one-node cluster, end to end against stand-ins (tests/node/site.sh): cluster.yaml with one
# node is accepted, its user-data renders (a WireGuard .netdev with no peer), and
# `bundle node install --root` completes with no peer to ask: the firewall loads with an empty
# WireGuard peer set, the bootstrap protocol initialises (every configured peer, none, said "no
# cluster"), K3s gets cluster-init. Cilium's operator keeps its two replicas
# (payload/cilium/values.yaml): on one node the second stays Pending, and nothing the agent
# waits for (Cilium's DaemonSet, Argo CD's server) depends on it.
# Usage: one_node_test.sh BUNDLE_BINARY [REPOSITORY_ROOT]
set -u
agent=$(realpath "$1")
repo=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
test_name=node-one
# shellcheck source=tests/payload/common.sh
. "$repo/tests/payload/common.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"

port=7443
stand_in_site || exit 1
# The same cluster with node-2 and node-3 taken out.
sed -i '/name: node-[23],/d' site/cluster.yaml
build_site 1 dist "a one-node cluster builds, with its user-data"
if [ "$(ls dist/cloud-init)" = node-1.yaml ]; then ok "one user-data, node-1's"; else not_ok "user-data: $(ls dist/cloud-init)"; fi
if cloud-init schema --config-file dist/cloud-init/node-1.yaml >schema.txt 2>&1 || ! command -v cloud-init >/dev/null; then
  ok "the user-data is valid cloud-config (or cloud-init is not installed)"
else not_ok "cloud-init schema"; sed 's/^/#   /' schema.txt; fi

node_root node-1 "$root"
netdev=$root/etc/systemd/network/60-wg-mesh.netdev
has "$netdev" "Kind=wireguard" "the .netdev makes the WireGuard interface"
has "$netdev" "ListenPort=" "it listens for peers to come"
if grep -q WireGuardPeer "$netdev"; then not_ok "the .netdev names no peer"; else ok "the .netdev names no peer"; fi
has "$root/etc/systemd/network/60-wg-mesh.network" "Address=10.6.0.1/" "the .network gives the mesh address"

use_stand_ins
expect 0 "bundle node install of the only node" install_node "$root" --bundle dist/site-1.bundle
has "$root/var/lib/bundle/journal.log" "health done" "every phase ran"
has "$root/var/lib/bundle/journal.log" "this node initialises the cluster" "the bootstrap protocol initialises with no peer"
has "$root/etc/rancher/k3s/config.yaml" "cluster-init: true" "K3s initialises etcd"
ruleset=$root/etc/nftables.d/bundle.nft
if grep -q 'elements' "$ruleset"; then not_ok "the firewall has no WireGuard peer"; else ok "the firewall has no WireGuard peer"; fi
has "$calls" "nft -f $ruleset" "the firewall is loaded"
if grep -q 'cilium-operator' "$calls"; then not_ok "nothing waits for Cilium's operator"; else ok "nothing waits for Cilium's operator (its second replica stays Pending on one node)"; fi
expect 0 "status" "$agent" node status --json --config "$root/etc/bundle/node.yaml" --root "$root"
if python3 -c 'import json,sys; d=json.load(open("out.txt")); sys.exit(0 if d["peers"] == [] and d["role"] == "init" and len(d["phases_done"]) == 7 else 1)'; then
  ok "status: initialised, 7 phases, no peers"
else not_ok "status --json"; sed 's/^/#   /' out.txt; fi
finish
