#!/bin/sh
# The three-node scenarios of issue 13, in VMs, one after the other on the same three machines
# (booting three VMs under TCG costs minutes, so the scenarios share them), each printing one line
# "NAME ok|FAILED EVIDENCE SECONDS seconds":
#
#   split-at-first-boot  node-3's WireGuard packets dropped on node-1 and node-2 (tests/vm/cluster.sh
#                        cl_cut) from power-on: nodes 1 and 2 wait, naming node-3 unreachable, and
#                        nobody founds a cluster; then the cut heals.
#   three-fresh-nodes    (scenario 1) the three fresh nodes, each from its own `bundle image` seed:
#                        cloud-init, the bundle on CIDATA, every phase; one etcd cluster of three
#                        started voters on the mesh, founded by node-1, the others joined.
#   hardening            (scenario 2) seen from node-2: node-1's public address answers on 22, 80,
#                        443 only, its mesh address on the cluster ports; sshd offers public keys
#                        only and refuses root; the kubelet's sysctls; time sync; and after a
#                        reboot the firewall, the mesh, the agent and K3s (stand-in) are back,
#                        with no install run.
#   split-running        (scenario 6, second half) node-1 cut from 2 and 3 for a minute: 2 and 3
#                        keep quorum and take a write, node-1 loses it and stays in the same
#                        cluster; after the heal it has the write and the same members.
#   node-1-wiped         (scenario 4) node-1's disk replaced while 2 and 3 run, its seed without
#                        the bundle (`bundle image --without-bundle`): the bundle comes from a peer
#                        over the mesh, its stale member is removed through a peer, it joins.
#   force-init           (scenario 5) node-2 and node-3 powered off for good; on node-1
#                        `bundle node bootstrap --force-init` and the install again: a one-member
#                        cluster with the data written before; node-2 and node-3 reinstalled from
#                        their seeds join it.
#
# K3s in the bundle is the STAND-IN over Debian's real etcd (tests/vm/k3s-etcd, not K3s: K3s
# cannot be had here), so membership and "one cluster" are etcd's answers (`etcdctl member list`
# on every node: the cluster ID and every member's ID, name and peer URL). WireGuard: `wg` is not
# in the image; the evidence is traffic that only the mesh routes (10.6.0.0/24).
#
# Prints each node's first-boot timeline and the medians, and in the end every scenario's line
# again. Leaves in WORK_DIR/vms/node-N/ (and node-N.<scenario>/ for a machine replaced) the serial
# log, the journal, the agent's journal and status, the k3s unit's journal and etcd's member list.
# The VMs are always stopped (tests/vm/lib.sh).
#
# The node agent must be a portable Release `bundle`: BUNDLE, $BUNDLE_PORTABLE_BUNDLE, or one
# built here in WORK_DIR/release. Needs root and qemu-system-x86, qemu-utils; exits 77 (skipped)
# without them. VM_BOOT_TIMEOUT (seconds, default 900) bounds each wait for installs to end;
# VM_SCENARIOS (default all) can name a prefix of the list above to stop after, e.g.
# "three-fresh-nodes". Each VM gets 1 vCPU and 1 GiB (VM_CPUS, VM_MEMORY).
# Usage: three_nodes_test.sh REPOSITORY WORK_DIR [BUNDLE]
set -u
repo=$(cd "$1" && pwd)
mkdir -p "$2" && work=$(cd "$2" && pwd)
binary=${3:-${BUNDLE_PORTABLE_BUNDLE:-}}
timeout=${VM_BOOT_TIMEOUT:-900}
last_scenario=${VM_SCENARIOS:-all}
VM_CPUS=${VM_CPUS:-1} VM_MEMORY=${VM_MEMORY:-1024}
export VM_CPUS VM_MEMORY
vm_here=$repo/tests/vm
nodes="node-1 node-2 node-3"
agent_port=7443
# shellcheck source=tests/cli/harness.sh
. "$repo/tests/cli/harness.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"
# shellcheck source=tests/vm/lib.sh
. "$vm_here/lib.sh"
# shellcheck source=tests/vm/cluster.sh
. "$vm_here/cluster.sh"
# shellcheck source=tests/vm/cluster_scenarios.sh
. "$vm_here/cluster_scenarios.sh"

if [ "$(id -u)" -ne 0 ]; then echo "ok - three-node scenarios # SKIP needs root"; exit 77; fi
: >"$work/scenarios.txt"
# done_after NAME: true when VM_SCENARIOS says to stop after scenario NAME
done_after() { [ "$last_scenario" = "$1" ]; }
vm_begin three-node-scenarios "$repo" "$work" "$binary"

# The cluster: tests/node/site.sh's three nodes, and the test's own SSH key (made here, for this
# run) as one of the admin's keys; K3s's binary is the etcd stand-in, its install.sh the VM
# stand-in (a Type=notify unit with NotifyAccess=all: k3s-etcd notifies through systemd-notify, a
# child of the unit's main process).
site=$work/site3
rm -rf "$site" && mkdir -p "$site" && cd "$site" || exit 1
stand_in_cluster "$bundle" "$agent_port" || vm_give_up "bundle init"
ssh-keygen -q -t ed25519 -N '' -C vm-test-admin -f "$site/admin_key" || vm_give_up "ssh-keygen"
sed -i "/^ssh_authorized_keys:/a\\  - $(cat "$site/admin_key.pub")" site/cluster.yaml
stand_in_image_files "$repo" "$bundle"
cp "$vm_here/k3s-etcd" img/files/k3s
cp "$vm_here/standin/install.sh" img/files/install.sh
stand_in_image 1 >img/site.yaml
expect 0 "bundle build (three-node cluster, K3s stand-in over etcd)" "$bundle" build --image img/site.yaml \
  --cluster site/cluster.yaml --out dist --quiet
for n in $nodes; do
  expect 0 "bundle image $n" "$bundle" image --cluster site/cluster.yaml --node "$n" \
    --bundle dist/site-1.bundle --out "$n-seed.iso" --quiet
  expect 0 "bundle image $n --without-bundle" "$bundle" image --cluster site/cluster.yaml --node "$n" \
    --bundle dist/site-1.bundle --out "$n-bare-seed.iso" --without-bundle --quiet
  if [ ! -f "$n-seed.iso" ] || [ ! -f "$n-bare-seed.iso" ]; then vm_give_up "no seed for $n"; fi
done

scenario_first_boot
if ! done_after split-at-first-boot && ! done_after three-fresh-nodes; then
  scenario_hardening
  done_after hardening || scenario_split_running
  done_after hardening || done_after split-running || scenario_node1_wiped
  done_after hardening || done_after split-running || done_after node-1-wiped || scenario_force_init
fi

# No secret of the cluster in what the run leaves behind.
{ cat site/secrets/k3s-token; echo; for n in $nodes; do cat "site/secrets/wireguard/$n.key"; echo; done; sed -n 2p site/secrets/bundle.key; } |
  grep -v '^$' >"$work/secrets.lst"
leaked=""
for f in "$vm_dir"/*/*.log "$vm_dir"/*/*.txt "$vm_dir"/*/*.json; do grep -qF -f "$work/secrets.lst" "$f" && leaked="$leaked $f"; done
rm -f "$work/secrets.lst"
if [ -z "$leaked" ]; then ok "no secret in the serial logs, journals or agent logs"; else not_ok "a secret in$leaked"; fi

for n in $nodes; do vm_stop "$n"; done
echo "# the scenarios:"
sed 's/^/#   /' "$work/scenarios.txt"
echo "# logs in $vm_dir/node-*"
finish
