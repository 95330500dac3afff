#!/bin/sh
# Scenario 1 of issue 13, "Three fresh nodes": a three-node cluster's bundle whose K3s is the
# STAND-IN over Debian's real etcd (tests/vm/k3s-etcd, not K3s: K3s cannot be had here), three
# seed ISOs made by `bundle image` exactly as a user makes them, three Debian 12 VMs
# (tests/vm/image.sh) started together on one network (tests/vm/lib.sh). Each VM's cloud-init runs
# the user-data, the bootstrap finds the bundle on CIDATA, every phase of the install must pass.
# Then etcd is asked on every node (`etcdctl member list`): one cluster ID on all three, three
# started voting members on the mesh addresses 10.6.0.1-3, and node-1's stand-in founded it
# (a new cluster) while node-2 and node-3 joined. WireGuard: `wg` is not in the image, so the
# evidence is the mesh interface's RX counters (`ip -s link show wg-mesh`: WireGuard counts only
# decrypted data packets, which need a completed handshake) and, per pair, etcd's health asked of
# each peer's mesh address from every node (only the mesh routes 10.6.0.0/24).
#
# Prints each node's timeline (seconds from power-on, on the host's clock), the medians over the
# three, and the decisive line "three-fresh-nodes ok|FAILED <evidence> <seconds> seconds". Leaves
# in WORK_DIR/vms/node-N/ the serial log, the journal, the agent's journal and status, the k3s
# unit's journal and etcd's member list. The VMs are always stopped (tests/vm/lib.sh).
#
# The node agent must be a portable Release `bundle`: BUNDLE, $BUNDLE_PORTABLE_BUNDLE, or one
# built here in WORK_DIR/release. Needs root and qemu-system-x86, qemu-utils; exits 77 (skipped)
# without them. VM_BOOT_TIMEOUT (seconds, default 2400) bounds the wait for the installs to end.
# Each VM gets 1 vCPU and 1 GiB (VM_CPUS, VM_MEMORY).
# Usage: three_nodes_test.sh REPOSITORY WORK_DIR [BUNDLE]
set -u
repo=$(cd "$1" && pwd)
mkdir -p "$2" && work=$(cd "$2" && pwd)
binary=${3:-${BUNDLE_PORTABLE_BUNDLE:-}}
timeout=${VM_BOOT_TIMEOUT:-2400}
VM_CPUS=${VM_CPUS:-1} VM_MEMORY=${VM_MEMORY:-1024}
export VM_CPUS VM_MEMORY
vm_here=$repo/tests/vm
nodes="node-1 node-2 node-3"
# shellcheck source=tests/cli/harness.sh
. "$repo/tests/cli/harness.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"
# shellcheck source=tests/vm/lib.sh
. "$vm_here/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "ok - three fresh nodes # SKIP needs root"; exit 77; fi
started=$(date +%s)
verdict() { # verdict ok|FAILED EVIDENCE: the scenario's one line
  echo "three-fresh-nodes $1 $2 $(($(date +%s) - started)) seconds"
}

if ! vm_agent "$repo" "$work" "$binary"; then
  not_ok "portable Release build (log: $work/release.log)"
  verdict FAILED "no portable bundle"
  finish
  exit 1
fi

vm_init "$work"
status=$?
if [ "$status" -eq 77 ]; then echo "ok - three fresh nodes # SKIP qemu is not installed"; exit 77; fi
[ "$status" -eq 0 ] || { not_ok "the VM image (tests/vm/image.sh)"; verdict FAILED "no VM image"; finish; exit 1; }
ok "VM image $vm_image"

# The cluster: tests/node/site.sh's three nodes; K3s's binary is the etcd stand-in, its install.sh
# the VM stand-in (a Type=notify unit with NotifyAccess=all: k3s-etcd notifies through
# systemd-notify, a child of the unit's main process).
site=$work/site3
rm -rf "$site" && mkdir -p "$site" && cd "$site" || exit 1
stand_in_cluster "$bundle" 7443 || { not_ok "bundle init"; verdict FAILED "bundle init"; finish; exit 1; }
stand_in_image_files "$repo" "$bundle"
cp "$vm_here/k3s-etcd" img/files/k3s
cp "$vm_here/standin/install.sh" img/files/install.sh
stand_in_image 1 >img/site.yaml
expect 0 "bundle build (three-node cluster, K3s stand-in over etcd)" "$bundle" build --image img/site.yaml \
  --cluster site/cluster.yaml --out dist --quiet
for n in $nodes; do
  expect 0 "bundle image $n" "$bundle" image --cluster site/cluster.yaml --node "$n" \
    --bundle dist/site-1.bundle --out "$n-seed.iso" --quiet
  [ -f "$n-seed.iso" ] || { verdict FAILED "no seed for $n"; finish; exit 1; }
done

for n in $nodes; do vm_start "$n" "${n#node-}" "$site/$n-seed.iso"; done

# Wait until every install ends (complete, or the bootstrap unit failed), asking every 15 s.
# shellcheck disable=SC2016 # expanded in the VM
probe='if grep -q "install complete" /var/lib/bundle/journal.log 2>/dev/null; then echo complete;
  elif systemctl is-failed --quiet bundle-bootstrap.service; then echo failed;
  else echo "running: $(cloud-init status 2>/dev/null | tr "\n" " ")$(tail -n 1 /var/lib/bundle/journal.log 2>/dev/null)"; fi'
until [ $(($(date +%s) - started)) -ge "$timeout" ]; do
  sleep 15
  pending=0
  for n in $nodes; do
    f=$vm_dir/$n/state
    case $(cat "$f" 2>/dev/null) in complete | failed) continue ;; esac
    vm_run "$n" 60 "$probe" >"$f" 2>/dev/null || echo "no answer ($?)" >"$f"
    echo "# $n $(vm_seconds "$n" "$(date +%s.%N)") s: $(cat "$f")"
    case $(cat "$f") in complete | failed) ;; *) pending=1 ;; esac
  done
  [ "$pending" = 0 ] && break
done

# What each VM shows.
for n in $nodes; do
  d=$vm_dir/$n
  vm_run "$n" 120 'journalctl -b -o short-unix --no-pager' >"$d/journal.txt"
  vm_run "$n" 60 'cat /var/lib/bundle/journal.log' >"$d/agent-journal.log"
  vm_run "$n" 60 '/usr/local/bin/bundle node status 2>&1 || /var/lib/bundle/agent/bundle node status 2>&1' >"$d/status.txt"
  vm_run "$n" 60 'journalctl -b -u k3s.service -o short-unix --no-pager' >"$d/k3s.txt"
  vm_run "$n" 60 'systemctl --failed --no-legend; cloud-init status --long; nft list tables; networkctl list --no-legend; ip -br addr' >"$d/system.txt"
  vm_run "$n" 60 'ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=5s --command-timeout=10s member list -w json' >"$d/members.json"
  vm_run "$n" 60 'ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 member list -w table' >"$d/members.txt"
  vm_run "$n" 60 'ip -s link show wg-mesh; networkctl status wg-mesh --no-pager' >"$d/wg.txt"
  # etcd's health asked of every peer's mesh address: a round trip through WireGuard per pair.
  # shellcheck disable=SC2016 # expanded in the VM
  vm_run "$n" 90 'for a in 10.6.0.1 10.6.0.2 10.6.0.3; do
      if ETCDCTL_API=3 etcdctl --endpoints=http://$a:2379 --dial-timeout=5s --command-timeout=10s endpoint health >/dev/null 2>&1;
      then echo "$a healthy"; else echo "$a unreachable"; fi; done' >"$d/mesh-health.txt"
done

complete=0
for n in $nodes; do
  d=$vm_dir/$n
  state=$(cat "$d/state" 2>/dev/null)
  if [ "$state" = complete ]; then ok "$n's install completed"; complete=$((complete + 1)); else not_ok "$n's install: $state"; fi
  has "$d/journal.txt" "bundle found on the seed volume" "$n: the bootstrap found the bundle on CIDATA"
  if grep -q "ordering cycle" "$d/journal.txt"; then not_ok "$n: no ordering cycle in the journal"; else ok "$n: no ordering cycle in the journal"; fi
done

# etcd's answer on every node: the cluster ID, and each member as "ID NAME PEER_URLS started|unstarted learner|voter".
summarise() {
  python3 -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print("no-answer"); sys.exit(0)
print("cluster %x" % j["header"]["cluster_id"])
for m in j.get("members", []):
    started = "started" if m.get("name") and m.get("clientURLs") else "unstarted"
    role = "learner" if m.get("isLearner") else "voter"
    print("member %x %s %s %s %s" % (m["ID"], m.get("name", "-") or "-", ",".join(m.get("peerURLs", [])), started, role))' "$1"
}
ids=""
for n in $nodes; do
  d=$vm_dir/$n
  summarise "$d/members.json" >"$d/members.summary"
  echo "# etcd on $n:"
  sed 's/^/#   /' "$d/members.summary"
  ids="$ids $(sed -n 's/^cluster //p' "$d/members.summary")"
done
# shellcheck disable=SC2086 # one ID per word
distinct=$(printf '%s\n' $ids | sort -u | grep -c .)
# shellcheck disable=SC2086 # one ID per word
answered=$(printf '%s\n' $ids | grep -c .)
cluster_id=$(sed -n 's/^cluster //p' "$vm_dir/node-1/members.summary")
if [ "$answered" = 3 ] && [ "$distinct" = 1 ]; then ok "one etcd cluster ($cluster_id) on all three nodes"; else
  not_ok "one etcd cluster on all three nodes: IDs seen:${ids:- none}"; fi
good_members=0
for a in 10.6.0.1 10.6.0.2 10.6.0.3; do
  if grep -q "^member [0-9a-f]* node-${a##*.}-[0-9a-f]* http://$a:2380 started voter$" "$vm_dir/node-1/members.summary"; then
    good_members=$((good_members + 1))
  fi
done
member_count=$(grep -c '^member ' "$vm_dir/node-1/members.summary")
if [ "$good_members" = 3 ] && [ "$member_count" = 3 ]; then ok "three started voting members on 10.6.0.1-3"; else
  not_ok "three started voting members on 10.6.0.1-3 ($good_members of $member_count as wanted)"; fi
same_members=1
for n in node-2 node-3; do
  cmp -s "$vm_dir/node-1/members.summary" "$vm_dir/$n/members.summary" || same_members=0
done
if [ "$same_members" = 1 ]; then ok "the same member list on every node"; else not_ok "the same member list on every node"; fi

# node-1 founded the cluster; node-2 and node-3 joined through it.
founder=""
for n in $nodes; do grep -q "starting etcd for new cluster" "$vm_dir/$n/k3s.txt" && founder="$founder $n"; done
founder=${founder# }
if [ "$founder" = node-1 ]; then ok "node-1 founded the cluster (and nobody else)"; else not_ok "node-1 founded the cluster: founders '${founder}'"; fi
joined=0
for n in node-2 node-3; do
  if grep -q "adding member $n-" "$vm_dir/$n/k3s.txt" && grep -q "promoted learner $n-" "$vm_dir/$n/k3s.txt"; then
    ok "$n joined as a learner and was promoted"
    joined=$((joined + 1))
  else
    not_ok "$n joined as a learner and was promoted"
  fi
done

# WireGuard: decrypted packets on every mesh interface, and every pair's round trip.
wg_ok=0 pairs=0
for n in $nodes; do
  d=$vm_dir/$n
  rx=$(awk '/RX:/ { getline; print $2; exit }' "$d/wg.txt")
  tx=$(awk '/TX:/ { getline; print $2; exit }' "$d/wg.txt")
  echo "# $n wg-mesh: RX $rx packets, TX $tx packets; $(tr '\n' ' ' <"$d/mesh-health.txt")"
  if [ "${rx:-0}" -gt 0 ] 2>/dev/null; then wg_ok=$((wg_ok + 1)); fi
  pairs=$((pairs + $(grep -c ' healthy$' "$d/mesh-health.txt")))
done
if [ "$wg_ok" = 3 ]; then ok "WireGuard delivered packets on all three mesh interfaces (handshakes done)"; else
  not_ok "WireGuard delivered packets on all three mesh interfaces ($wg_ok of 3)"; fi
if [ "$pairs" = 9 ]; then ok "etcd answers over the mesh from every node to every node (9 of 9)"; else
  not_ok "etcd answers over the mesh from every node to every node ($pairs of 9)"; fi

# The timeline per node, on the host's clock, and the medians over the three.
echo "# timeline, seconds from each VM's power-on: node-1 node-2 node-3 | median"
old_ifs=$IFS
IFS='|'
for label in $vm_timeline_labels; do
  IFS=$old_ifs
  p=$(vm_pattern "$label")
  row="" values=""
  for n in $nodes; do
    v=$(vm_at "$n" "$p")
    row="$row $v"
    [ "$v" = - ] || values="$values $v"
  done
  # shellcheck disable=SC2086 # one value per word
  median=$(printf '%s\n' $values | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  printf '#   %-28s%s | %s\n' "$label" "$row" "$median"
  IFS='|'
done
IFS=$old_ifs
for n in $nodes; do
  clock=$(vm_run "$n" 30 'date +%s.%N')
  echo "# $n's clock minus the host's: $(awk -v g="$clock" -v h="$(date +%s.%N)" 'BEGIN { printf "%.1f", g - h }') s (at the end of the run)"
done

echo "# failures and warnings the journals show:"
for n in $nodes; do
  grep -E -i 'fail|error|warn|ordering cycle' "$vm_dir/$n/journal.txt" |
    grep -v -E 'vm-cmd|ACPI|PCI|pnp|ERST|EINJ|Firmware Bug|etcd\[|k3s\[' | head -n 20 | sed "s/^/#   $n: /"
  grep -E 'k3s \(stand-in\)' "$vm_dir/$n/k3s.txt" | tail -n 8 | sed "s/^/#   $n k3s: /"
done

# No secret of the cluster in what the run leaves behind.
{ cat site/secrets/k3s-token; echo; for n in $nodes; do cat "site/secrets/wireguard/$n.key"; echo; done; sed -n 2p site/secrets/bundle.key; } |
  grep -v '^$' >"$work/secrets.lst"
leaked=""
for n in $nodes; do
  for f in "$vm_dir/$n"/*.log "$vm_dir/$n"/*.txt; do grep -qF -f "$work/secrets.lst" "$f" && leaked="$leaked $f"; done
done
rm -f "$work/secrets.lst"
if [ -z "$leaked" ]; then ok "no secret in the serial logs, journals or agent logs"; else not_ok "a secret in$leaked"; fi

for n in $nodes; do vm_stop "$n"; done
evidence="installs $complete/3 complete, etcd cluster ${cluster_id:-none} on $answered/3 nodes ($distinct distinct), $good_members/3 started voters on 10.6.0.1-3, founder ${founder:-none}, $joined/2 joined, wg-mesh RX>0 on $wg_ok/3, mesh etcd health $pairs/9 pairs,"
if [ "$failed" -eq 0 ]; then verdict ok "$evidence"; else verdict FAILED "$evidence"; fi
echo "# logs in $vm_dir/node-{1,2,3}"
finish
