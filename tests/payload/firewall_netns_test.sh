#!/bin/sh
# The host firewall (payload/harden/20-firewall.sh) loaded with the real nft into network
# namespaces that this test makes, and probed with real TCP connections:
#   host  the node: the ruleset loaded; a veth whose host end is named like Cilium's pod
#         interfaces (`lxc…`, Cilium's host side of a pod's veth, pkg/datapath/connector) to
#   pod   a pod, and a veth named like the mesh (wg-mesh) to
#   peer  another node, reached over the mesh (routed by the host, as a pod's packets to another
#         node's mesh address are).
# What it shows: a pod reaches its node's API server (6443), kubelet (10250) and Hubble (4244),
# and neither the node agent nor etcd (2379), nor SSH; nor the agent and etcd of another node
# through the mesh; while the peer, on the mesh, still reaches both. And a one-node cluster (no
# WireGuard peer at all) gets a ruleset that the real nft loads.
# Needs root (network namespaces), nft, ip, nsenter and python3; skipped without them.
# Usage: firewall_netns_test.sh REPOSITORY_ROOT
set -u
repo=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
harden=$repo/payload/harden
test_name=firewall-netns
# shellcheck source=common.sh
. "$repo/tests/payload/common.sh"

real_nft=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin command -v nft)
for tool in "$real_nft" ip nsenter python3; do
  if [ -z "$tool" ] || ! command -v "$tool" >/dev/null 2>&1; then
    echo "# ${tool:-nft} is missing: skipped"
    finish
    exit
  fi
done
if ! unshare -n true 2>/dev/null; then
  echo "# unshare -n not permitted: skipped"
  finish
  exit
fi

# Stand-ins for systemctl (records nothing, says "not enabled") and for nft, which checks the new
# ruleset with the real nft (-c) and loads nothing here: the namespaces below load it.
cat >"$bin/nft" <<SH
#!/bin/sh
if [ "\$1" = -c ]; then exec "$real_nft" "\$@"; fi
exit 0
SH
cat >"$bin/systemctl" <<'SH'
#!/bin/sh
[ "$1" != is-enabled ] || exit 1
SH
chmod +x "$bin/nft" "$bin/systemctl"
PATH=$bin:$PATH BUNDLE_ROOT=$root
export PATH BUNDLE_ROOT
ruleset=$root/etc/nftables.d/bundle.nft

# --- a one-node cluster: no WireGuard peer ---------------------------------------------------
expect 0 "one node: the firewall script runs with PEER_PUBLIC_IPS empty" env WG_PORT=51820 PEER_PUBLIC_IPS="" \
  MESH_IFACE=wg-mesh AGENT_PORT=7443 sh "$harden/20-firewall.sh"
# shellcheck disable=SC2016 # expanded by the inner shell
if unshare -n sh -c '"$1" -f "$2" && "$1" list set inet bundle_host wg_peers4' sh "$real_nft" "$ruleset" >nft.txt 2>&1 &&
  ! grep -q elements nft.txt; then
  ok "one node: the real nft loads the ruleset, with no WireGuard peer"
else
  not_ok "one node: loading the ruleset"
  sed 's/^/#   /' nft.txt err.txt
fi
rm -f "$ruleset"

# --- pods, the node and a peer -----------------------------------------------------------------
expect 0 "the firewall script for a node with two peers" env WG_PORT=51820 PEER_PUBLIC_IPS="203.0.113.11 203.0.113.12" \
  MESH_IFACE=wg-mesh AGENT_PORT=7443 sh "$harden/20-firewall.sh"

# listen PORT...: accepts and closes connections on every PORT until killed.
cat >listen.py <<'PY'
import socket, sys, threading
def serve(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
print("listening", flush=True)
threading.Event().wait()
PY
# probe ADDRESS:PORT...: prints "ADDRESS:PORT open" or "... closed" for each, all at once (a
# dropped SYN is waited for 1.5 s).
cat >probe.py <<'PY'
import socket, sys, threading
out = {}
def probe(target):
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1.5).close()
        out[target] = "open"
    except OSError:
        out[target] = "closed"
threads = [threading.Thread(target=probe, args=(t,)) for t in sys.argv[1:]]
for t in threads: t.start()
for t in threads: t.join()
for t in sys.argv[1:]: print(t, out[t])
PY

# The whole scene runs in a namespace of its own (the host); the pod and the peer are namespaces
# held by a `sleep` each, which the scene kills before it ends.
cat >scene.sh <<'SH'
set -eu
nft=$1 ruleset=$2 work=$3
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT
ip link set lo up
unshare -n sleep 30 & pod=$!
unshare -n sleep 30 & peer=$!
pids="$pod $peer"
sleep 0.2
in_pod() { nsenter -t "$pod" -n "$@"; }
in_peer() { nsenter -t "$peer" -n "$@"; }
# A pod behind a veth named like Cilium's (lxc + a hash), another node behind "wg-mesh".
ip link add lxc8a3f2c1d type veth peer name eth0 netns "$pod"
ip link add wg-mesh type veth peer name eth0 netns "$peer"
ip addr add 10.42.0.1/24 dev lxc8a3f2c1d
ip addr add 10.6.0.1/24 dev wg-mesh
ip link set lxc8a3f2c1d up
ip link set wg-mesh up
echo 1 >/proc/sys/net/ipv4/ip_forward
in_pod ip link set lo up
in_pod ip addr add 10.42.0.17/24 dev eth0
in_pod ip link set eth0 up
in_pod ip route add default via 10.42.0.1
in_peer ip link set lo up
in_peer ip addr add 10.6.0.2/24 dev eth0
in_peer ip link set eth0 up
in_peer ip route add 10.42.0.0/16 via 10.6.0.1
"$nft" -f "$ruleset"
python3 "$work/listen.py" 6443 10250 4244 7443 2379 22 >"$work/host-listen.txt" & pids="$pids $!"
in_peer python3 "$work/listen.py" 6443 7443 2379 >"$work/peer-listen.txt" & pids="$pids $!"
i=0
until grep -q listening "$work/host-listen.txt" "$work/peer-listen.txt" 2>/dev/null &&
  [ "$(cat "$work/host-listen.txt" "$work/peer-listen.txt" | grep -c listening)" -eq 2 ]; do
  i=$((i + 1)); [ $i -lt 50 ] || { echo "the listeners did not start" >&2; exit 1; }; sleep 0.1
done
echo "# from the pod"
in_pod python3 "$work/probe.py" 10.42.0.1:6443 10.42.0.1:10250 10.42.0.1:4244 10.42.0.1:7443 10.42.0.1:2379 \
  10.42.0.1:22 10.6.0.1:6443 10.6.0.1:7443 10.6.0.1:2379 10.6.0.2:6443 10.6.0.2:7443 10.6.0.2:2379
echo "# from the peer"
in_peer python3 "$work/probe.py" 10.6.0.1:6443 10.6.0.1:7443 10.6.0.1:2379
SH
unshare -n sh scene.sh "$real_nft" "$ruleset" "$work" >scene.txt 2>&1
status=$?
if [ "$status" -ne 0 ]; then not_ok "the scene ran (exit $status)"; sed 's/^/#   /' scene.txt; fi

# seen FROM TARGET WANT NAME: the probe of TARGET from FROM (pod or peer) found it WANT
seen() {
  got=$(sed -n "/^# from the $1/,/^# from/p" scene.txt | awk -v t="$2" '$1 == t { print $2 }')
  if [ "$got" = "$3" ]; then ok "$4"; else not_ok "$4 (${got:-no answer})"; fi
}
seen pod 10.42.0.1:6443 open "a pod reaches its node's API server (6443)"
seen pod 10.42.0.1:10250 open "a pod reaches its node's kubelet (10250)"
seen pod 10.42.0.1:4244 open "a pod (Hubble Relay) reaches its node's Hubble server (4244)"
seen pod 10.6.0.1:6443 open "a pod reaches the API server on its node's mesh address"
seen pod 10.42.0.1:7443 closed "a pod does not reach its node's agent"
seen pod 10.42.0.1:2379 closed "a pod does not reach its node's etcd"
seen pod 10.6.0.1:7443 closed "a pod does not reach the agent on its node's mesh address"
seen pod 10.6.0.1:2379 closed "a pod does not reach etcd on its node's mesh address"
seen pod 10.42.0.1:22 closed "a pod does not reach its node's SSH"
seen pod 10.6.0.2:6443 open "a pod reaches another node's API server over the mesh"
seen pod 10.6.0.2:7443 closed "a pod does not reach another node's agent over the mesh"
seen pod 10.6.0.2:2379 closed "a pod does not reach another node's etcd over the mesh"
seen peer 10.6.0.1:6443 open "a peer reaches the API server on the mesh"
seen peer 10.6.0.1:7443 open "a peer reaches the agent on the mesh"
seen peer 10.6.0.1:2379 open "a peer reaches etcd on the mesh"
finish
