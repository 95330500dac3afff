#!/bin/sh
# Host firewall: an nftables table of our own, `inet bundle_host`, that lets in only SSH, HTTP(S)
# and the peers' WireGuard from the outside and keeps the cluster's ports on the mesh interface.
#
# The ruleset lives in /etc/nftables.d/bundle.nft and is loaded with `nft -f`, which replaces our
# table and nothing else: the file never says `flush ruleset`, so Cilium's tables (and the
# iptables-nft tables K3s and Cilium make) are left alone. bundle-firewall.service loads it again
# at boot, before the network comes up. It is (re)loaded when the file changed or when the table
# is missing from the kernel.
#
# Input policy drop, except: established and related traffic; loopback; the ICMP and ICMPv6 that
# IP needs; DHCP replies; 22, 80, 443/tcp from anywhere; WG_PORT/udp from the peers' public
# addresses only; on MESH_IFACE only, the K3s API and supervisor (6443), etcd (2379-2380), the
# kubelet (10250), the node agent (AGENT_PORT), Cilium's VXLAN (8472/udp), health (4240) and
# Hubble (4244). Forward stays Cilium's (policy accept). The cloud metadata address
# 169.254.169.254, whose user-data holds the node's secrets, is closed to every local process but
# root's and to pods.
#
# Pods reach only what they need of their node (chain from_pods). Cilium's host side of a pod is
# an `lxc*` veth, and without BPF host routing (it needs bpf.masquerade, which stays off, see
# payload/cilium/values.yaml) a pod's packet to a node address enters the host's stack there;
# cilium_host, cilium_net and cilium_vxlan get the same treatment. What pods need of the host:
#   6443/tcp   the API server: the `kubernetes` Service's endpoints are the servers' mesh
#              addresses, so a pod's API call to its own node arrives here;
#   10250/tcp  the kubelet (metrics-server and `kubectl logs/exec` through the API server);
#   4244/tcp   Hubble's server in the (host-network) Cilium agent, which Hubble Relay, a pod,
#              dials on every node;
#   80, 443    an ingress on the host network (payload/cilium/values.yaml), as from anywhere.
# Whatever Cilium's L7 proxy takes over is accepted before that, on any interface: TPROXY hands
# it to a local socket with the mark 0x200/0xf00 (MagicMarkIsToProxy), and Cilium's own rule for
# it ("ACCEPT for proxy traffic", pkg/datapath/iptables/iptables.go, "needed when the INPUT
# defaults to DROP") sits in iptables' table, which does not accept for this one. The mark is
# set inside the kernel only (Cilium's BPF and iptables rules), never by a sender.
# Not needed and closed: the agent (AGENT_PORT: 16 slots a pod could hold), etcd (2379-2380),
# SSH, Cilium's health port 4240 (probed by the agents, host processes, between node addresses
# over the mesh) and VXLAN 8472 (arrives encapsulated on MESH_IFACE, not from pods). DNS: K3s's
# CoreDNS is a pod, nothing serves DNS on the host. The forward chain also keeps pods from the
# agent and etcd of the other nodes: their packets to the peers' mesh addresses leave through
# MESH_IFACE and are masqueraded to this node's address after that chain, where the peer could no
# longer tell them from this node's own.
#
# Environment:
#   WG_PORT          the mesh's WireGuard port (required)
#   PEER_PUBLIC_IPS  the other nodes' public addresses, space-separated, IPv4 or IPv6 (required;
#                    empty on a one-node cluster, which has no WireGuard peer)
#   MESH_IFACE       the mesh interface, e.g. wg-mesh (required)
#   AGENT_PORT       the node agent's port on the mesh (required)
#   POD_CIDR         the pods' range (default 10.42.0.0/16, K3s's cluster-cidr)
#   BUNDLE_ROOT      root prefix of every file written (default /)
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"

need_port WG_PORT
need_port AGENT_PORT
need MESH_IFACE
# Set, but empty on a one-node cluster.
[ -n "${PEER_PUBLIC_IPS+set}" ] || die "PEER_PUBLIC_IPS is not set (the node agent sets it from /etc/bundle/node.yaml; empty on a one-node cluster)"
pod_cidr=${POD_CIDR:-10.42.0.0/16}

case $MESH_IFACE in
  *[!A-Za-z0-9_.-]*) die "MESH_IFACE '$MESH_IFACE' is not an interface name" ;;
esac
[ "${#MESH_IFACE}" -le 15 ] || die "MESH_IFACE '$MESH_IFACE' is longer than an interface name can be"
case $pod_cidr in
  *[!0-9./]* | */*/* | [!0-9]*) die "POD_CIDR '$pod_cidr' is not an IPv4 range" ;;
  */*) ;;
  *) die "POD_CIDR '$pod_cidr' is not an IPv4 range" ;;
esac

peers4="" peers6=""
set -f
for ip in $PEER_PUBLIC_IPS; do
  case $ip in
    *[!0-9.]*) ;;
    *.*.*.*)
      peers4="$peers4${peers4:+, }$ip"
      continue
      ;;
  esac
  case $ip in
    *:*[!0-9A-Fa-f:]* | *[!0-9A-Fa-f:]*:*) ;;
    *:*)
      peers6="$peers6${peers6:+, }$ip"
      continue
      ;;
  esac
  die "PEER_PUBLIC_IPS holds '$ip', which is not an IP address"
done
set +f

command -v nft >/dev/null 2>&1 || die "nft is not installed (package nftables): the firewall cannot be loaded"

elements() { if [ -n "$1" ]; then echo "elements = { $1 }"; fi; }

ruleset=/etc/nftables.d/bundle.nft
# The first two lines make the load idempotent on nft 1.0.6 (Debian 12), which has no
# `destroy table`: declaring the table creates it when it is missing, so deleting it never fails;
# the whole file is one transaction, so the host is never without its table.
# A ruleset that nft rejects (`nft -c`) never replaces the one in place.
write_file "$ruleset" 600 nft -c -f <<NFT
#!/usr/sbin/nft -f
# The host firewall of a bundle node, written by bundle (payload/harden/20-firewall.sh); edits are
# overwritten. Only this table is replaced on load: never add \`flush ruleset\` here.
table inet bundle_host
delete table inet bundle_host

table inet bundle_host {
  set wg_peers4 {
    type ipv4_addr
    $(elements "$peers4")
  }
  set wg_peers6 {
    type ipv6_addr
    $(elements "$peers6")
  }

  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif lo accept

    icmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept
    icmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query } accept
    udp sport 67 udp dport 68 accept
    ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept

    # Packets Cilium's L7 proxy takes over (TPROXY), whatever their port.
    meta mark & 0x00000f00 == 0x00000200 accept
    iifname "lxc*" jump from_pods
    iifname { "cilium_host", "cilium_net", "cilium_vxlan" } jump from_pods

    tcp dport { 22, 80, 443 } accept
    ip saddr @wg_peers4 udp dport $WG_PORT accept
    ip6 saddr @wg_peers6 udp dport $WG_PORT accept

    iifname "$MESH_IFACE" tcp dport { 6443, 2379-2380, 10250, $AGENT_PORT, 4240, 4244 } accept
    iifname "$MESH_IFACE" udp dport 8472 accept
  }

  chain from_pods {
    tcp dport { 6443, 10250, 4244, 80, 443 } accept
    drop
  }

  # Forwarding is Cilium's business: nothing is dropped here but pods asking the metadata service
  # and pods asking the other nodes' etcd and agent.
  chain forward {
    type filter hook forward priority filter; policy accept;
    ip saddr $pod_cidr ip daddr 169.254.169.254 drop
    ip saddr $pod_cidr oifname "$MESH_IFACE" tcp dport { 2379-2380, $AGENT_PORT } drop
  }

  chain output {
    type filter hook output priority filter; policy accept;
    ip daddr 169.254.169.254 meta skuid != 0 drop
  }
}
NFT
ruleset_changed=$changed

unit=bundle-firewall.service
write_file "/etc/systemd/system/$unit" 644 <<UNIT
# Written by bundle (payload/harden/20-firewall.sh); edits are overwritten.
[Unit]
Description=bundle host firewall (nftables table inet bundle_host)
Documentation=file:$ruleset
DefaultDependencies=no
Wants=network-pre.target
After=nftables.service
Before=network-pre.target shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f $ruleset
ExecReload=/usr/sbin/nft -f $ruleset

[Install]
WantedBy=sysinit.target
UNIT
if [ "$changed" = yes ]; then
  systemctl daemon-reload || die "systemctl daemon-reload failed"
fi
if ! systemctl is-enabled --quiet "$unit" 2>/dev/null; then
  systemctl enable --quiet "$unit" || die "cannot enable $unit"
  echo "changed enabled $unit"
fi

if [ "$ruleset_changed" = yes ] || ! nft list table inet bundle_host >/dev/null 2>&1; then
  nft -f "$root$ruleset" || die "nft -f $ruleset failed: the host firewall is not loaded"
  echo "changed loaded table inet bundle_host"
fi
