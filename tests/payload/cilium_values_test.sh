#!/bin/sh
# Our Cilium Helm values (payload/cilium/values.yaml), parsed, against the upstream behaviour
# each one guards (Cilium 1.18):
#   devices: [the mesh interface]  Without it Cilium attaches to every up device with a global
#       unicast route, eth0 included (isSelectedDevice, pkg/datapath/linux/devices_controller.go),
#       and with kube-proxy replacement answers NodePorts and hostPorts on the public address in
#       eBPF before nftables sees them. With a list, a device outside it is "not matching user
#       filter". The name must be the one the user-data's .netdev makes and the firewall's
#       MESH_IFACE (builder/render/networkd.h, wg-mesh).
#   MTU: the mesh's MTU  Cilium's `MTU` is the base ("underlying network", pkg/mtu/cell.go) from
#       which it subtracts VXLAN's 50 bytes for the pods' routes (pkg/mtu/mtu.go). Our .netdev
#       sets no MTUBytes=, so the mesh has the kernel's WireGuard default, 1500 - 80 = 1420
#       (drivers/net/wireguard/device.c; Cilium's WireguardOverhead). Auto-detection would take
#       the smallest MTU of the selected devices, which is right only while wg-mesh is one.
#   bpf.masquerade unset or false  BPF masquerading acts on `devices` only: with the mesh alone,
#       pods' traffic to the internet through eth0 would leave unmasqueraded.
#   kubeProxyReplacement with routingMode tunnel / vxlan, as the firewall's mesh rules expect
#       (8472/udp on the mesh only).
# Usage: cilium_values_test.sh REPOSITORY_ROOT
set -u
repo=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
test_name=cilium-values
# shellcheck source=common.sh
. "$repo/tests/payload/common.sh"

mesh=$(sed -n 's/^inline constexpr char kMeshInterface\[\] = "\(.*\)";$/\1/p' "$repo/builder/render/"*.h)
if [ -n "$mesh" ]; then ok "the mesh interface's name is $mesh (builder/render)"; else not_ok "kMeshInterface not found in builder/render"; fi

# check NAME PYTHON-EXPRESSION: the expression, over the parsed values `v`, is true
check() {
  if python3 -c '
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
mesh = sys.argv[3]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$repo/payload/cilium/values.yaml" "$2" "$mesh" 2>err.txt; then ok "$1"; else
    not_ok "$1"
    sed 's/^/#   /' err.txt
  fi
}
check "devices is the mesh interface alone (eth0 gets no eBPF NodePort)" 'v.get("devices") == [mesh]'
wireguard_default=$((1500 - 40 - 8 - 32))
check "MTU is the mesh's, the kernel's WireGuard default ($wireguard_default)" "v.get('MTU') == $wireguard_default"
check "pods get MTU less VXLAN's 50 bytes, 1370: a VXLAN packet of it fills the mesh's 1420 exactly" "v['MTU'] - 50 == 1370"
check "BPF masquerading stays off (it would masquerade on devices only)" 'not (v.get("bpf") or {}).get("masquerade", False)'
check "kube-proxy replacement, tunnel mode with VXLAN" 'v.get("kubeProxyReplacement") is True and v.get("routingMode") == "tunnel" and v.get("tunnelProtocol") == "vxlan"'
check "Cilium's own encryption stays off (the mesh encrypts)" 'not (v.get("encryption") or {}).get("enabled", False)'

# The .netdev our user-data renders sets no MTU: the kernel's default above is the mesh's.
if grep -q MTUBytes "$repo/builder/render/networkd.cpp"; then
  not_ok "the rendered .netdev sets no MTUBytes= (change MTU in payload/cilium/values.yaml with it)"
else ok "the rendered .netdev sets no MTUBytes="; fi
finish
