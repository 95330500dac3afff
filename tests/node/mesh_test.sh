#!/bin/sh
# The mesh phase of `bundle node install --root` against recording stand-ins (tests/node/site.sh)
# for systemctl and networkctl: networkd gets the drop-in that keeps it from removing Cilium's
# routes and rules, and mesh files that changed since they were applied reach the kernel.
#
# Upstream behaviour modelled: `networkctl reload` does not apply a changed .netdev to a WireGuard
# interface that exists (systemd #9627; netdev_load(manager, reload=true) keeps the loaded
# NetDev and netdev_load_one() ignores a file for an existing name, src/network/netdev/netdev.c
# in systemd 252-255). So a replaced peer (new key, new public address) must make the agent
# delete the interface and restart networkd, and an unchanged rerun must not touch it. The
# interface "exists" here as $ROOT/sys/class/net/wg-mesh, where the agent looks.
# Usage: mesh_test.sh BUNDLE_BINARY [REPOSITORY_ROOT]
set -u
agent=$(realpath "$1")
repo=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
test_name=node-mesh
# shellcheck source=tests/payload/common.sh
. "$repo/tests/payload/common.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"

stand_in_site || exit 1
build_site 3 dist "build the bundle"
b=$work/dist/site-3.bundle
use_stand_ins
start_peers dist

# --- the first install ----------------------------------------------------------------------------
node_root node-1 "$root" dist/cloud-init/node-1.yaml
dropin=$root/etc/systemd/networkd.conf.d/50-bundle.conf
mark
expect 0 "install node-1" install_node "$root" --bundle "$b"
new_calls
has "$dropin" "ManageForeignRoutingPolicyRules=no" "networkd leaves Cilium's routing-policy rules alone"
has "$dropin" "ManageForeignRoutes=no" "networkd leaves Cilium's routes alone"
has new_calls.txt "systemctl restart systemd-networkd.service" "networkd restarts to read the drop-in and the mesh files"
if grep -q "networkctl delete" new_calls.txt; then not_ok "no interface to delete yet"; else ok "no interface to delete yet"; fi
if [ -s "$root/var/lib/bundle/mesh.sha256" ]; then ok "the applied mesh files are recorded"; else not_ok "no mesh.sha256"; fi

# networkd made the interface (at boot, or at that restart).
mkdir -p "$root/sys/class/net/wg-mesh"

# --- an unchanged rerun ------------------------------------------------------------------------
mark
expect 0 "rerun, nothing changed" install_node "$root" --bundle "$b"
new_calls
if grep -Eq "networkctl|systemd-networkd" new_calls.txt; then not_ok "an unchanged rerun leaves the mesh alone"; sed 's/^/#   /' new_calls.txt; else
  ok "an unchanged rerun leaves the mesh alone"
fi

# --- node-3 replaced: a new WireGuard key and a new public address ----------------------------
old_key=$(cat site/secrets/wireguard/node-3.pub)
rm site/secrets/wireguard/node-3.key site/secrets/wireguard/node-3.pub
expect 0 "a new key pair for node-3" "$agent" init --dir site --add-node node-3
new_key=$(cat site/secrets/wireguard/node-3.pub)
sed -i 's/public_ipv4: 203.0.113.12,/public_ipv4: 203.0.113.13,/' site/cluster.yaml
expect 0 "node-1's new user-data" "$agent" cloud-init --cluster site/cluster.yaml --node node-1 --bundle "$b" --quiet
cp out.txt new-node-1.yaml
# The user-data (or `bundle push`) writes the files before the agent runs.
node_root node-1 "$root" new-node-1.yaml
netdev=$root/etc/systemd/network/60-wg-mesh.netdev
has "$netdev" "PublicKey=$new_key" "the new .netdev has node-3's new key"
has "$netdev" "Endpoint=203.0.113.13:" "the new .netdev has node-3's new address"
mark
expect 0 "rerun after node-3 was replaced" install_node "$root" --bundle "$b"
new_calls
order=$(grep -E '^(networkctl|systemctl restart systemd-networkd|nft -f)' new_calls.txt | tr '\n' '|')
want="nft -f $root/etc/nftables.d/bundle.nft|networkctl delete wg-mesh|systemctl restart systemd-networkd.service|"
if [ "$order" = "$want" ]; then ok "the firewall reloaded, then wg-mesh deleted and networkd restarted (a reload would keep the old peer)"; else
  not_ok "after the change: $order"
fi
stderr_has "the mesh files differ from those applied" "the journal says why the mesh is applied again"
has "$root/etc/nftables.d/bundle.nft" "203.0.113.13" "the firewall lets in node-3's WireGuard from its new address"
if grep -q "203.0.113.12" "$root/etc/nftables.d/bundle.nft"; then not_ok "the old address is out of the firewall"; else ok "the old address is out of the firewall"; fi
if grep -q "$old_key" "$netdev"; then not_ok "the old key is gone"; else ok "the old key is gone"; fi
if grep -q "install.sh\|k3s kubectl" new_calls.txt; then not_ok "K3s is left alone"; else ok "K3s is left alone"; fi

mark
expect 0 "rerun once more" install_node "$root" --bundle "$b"
new_calls
if [ -s new_calls.txt ]; then not_ok "applied once: the next rerun runs nothing"; sed 's/^/#   /' new_calls.txt; else
  ok "applied once: the next rerun runs nothing"
fi
# A mesh file that is a symbolic link is refused, not followed (what is hashed and applied is the
# file the user-data wrote, never what a link points at).
mv "$root/etc/bundle/wireguard.key" "$work/elsewhere.key"
ln -s "$work/elsewhere.key" "$root/etc/bundle/wireguard.key"
expect 13 "rerun with wireguard.key a symbolic link" install_node "$root" --bundle "$b"
stderr_has "wireguard.key: is a symbolic link" "the error names the linked mesh file"
finish
