#!/bin/sh
# One VM, one boot (issue 13, first step): a one-node cluster's seed ISO, made by `bundle image`
# exactly as a user makes it, boots a Debian 12 VM (tests/vm/image.sh) under qemu; cloud-init
# reads the user-data from it, runcmd starts bundle-bootstrap.service, the bootstrap finds the
# bundle on the CIDATA volume and runs `bundle node install`. K3s in the bundle is a STAND-IN
# (tests/vm/standin/), not K3s: K3s cannot be had here.
#
# Prints the VM's timeline (seconds from power-on, on the host's clock, to cloud-init done,
# bootstrap start, bundle found, each phase done), what failed, and leaves in WORK_DIR/vms/node-1/
# the serial log (kernel, journal), the whole journal (journal.txt), the agent's journal and
# status, and the stand-in's calls. Then the installed node is rebooted and must come back with
# its firewall, peer server and K3s (stand-in) up and run no install. The VM is always stopped
# (tests/vm/lib.sh).
#
# The node agent must be a portable Release `bundle` (the sanitized test build does not run on a
# stock Debian): BUNDLE, $BUNDLE_PORTABLE_BUNDLE, or one built here in WORK_DIR/release.
# Needs root (debootstrap) and qemu-system-x86, qemu-utils; exits 77 (skipped) without them.
# VM_BOOT_TIMEOUT (seconds, default 900) bounds the wait for the install to end.
# Usage: boot_test.sh REPOSITORY WORK_DIR [BUNDLE]
set -u
repo=$(cd "$1" && pwd)
mkdir -p "$2" && work=$(cd "$2" && pwd)
binary=${3:-${BUNDLE_PORTABLE_BUNDLE:-}}
timeout=${VM_BOOT_TIMEOUT:-900}
vm_here=$repo/tests/vm
# shellcheck source=tests/cli/harness.sh
. "$repo/tests/cli/harness.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"
# shellcheck source=tests/vm/lib.sh
. "$vm_here/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "ok - vm boot # SKIP needs root"; exit 77; fi
started=$(date +%s)

# The node agent under test.
vm_agent "$repo" "$work" "$binary" || { not_ok "portable Release build (log: $work/release.log)"; finish; exit 1; }

vm_init "$work"
status=$?
if [ "$status" -eq 77 ]; then echo "ok - vm boot # SKIP qemu is not installed"; exit 77; fi
[ "$status" -eq 0 ] || { not_ok "the VM image (tests/vm/image.sh)"; finish; exit 1; }
ok "VM image $vm_image"

# The cluster: tests/node/site.sh's, with node-2 and node-3 taken out (a one-node cluster), and
# K3s's binary and install.sh replaced by the VM stand-ins.
site=$work/site
rm -rf "$site" && mkdir -p "$site" && cd "$site" || exit 1
stand_in_cluster "$bundle" 7443 || { not_ok "bundle init"; finish; exit 1; }
sed -i '/name: node-[23],/d' site/cluster.yaml
stand_in_image_files "$repo" "$bundle"
cp "$vm_here/standin/k3s" img/files/k3s
cp "$vm_here/standin/install.sh" img/files/install.sh
stand_in_image 1 >img/site.yaml
expect 0 "bundle build (one-node cluster, K3s stand-in)" "$bundle" build --image img/site.yaml \
  --cluster site/cluster.yaml --out dist --quiet
expect 0 "bundle image node-1" "$bundle" image --cluster site/cluster.yaml --node node-1 \
  --bundle dist/site-1.bundle --out node-1-seed.iso --quiet
[ -f node-1-seed.iso ] || { finish; exit 1; }

vm_start node-1 1 "$site/node-1-seed.iso"
d=$vm_dir/node-1

# Wait until the install ends (complete, or the bootstrap unit failed), asking every 10 s.
state=""
until [ $(($(date +%s) - started)) -ge "$timeout" ]; do
  sleep 10
  # shellcheck disable=SC2016 # expanded in the VM
  state=$(vm_run node-1 60 'if grep -q "install complete" /var/lib/bundle/journal.log 2>/dev/null; then echo complete;
    elif systemctl is-failed --quiet bundle-bootstrap.service; then echo failed;
    else echo "running: $(cloud-init status 2>/dev/null | tr "\n" " ")$(tail -n 1 /var/lib/bundle/journal.log 2>/dev/null)"; fi') ||
    state="no answer ($?)"
  echo "# $(vm_seconds node-1 "$(date +%s.%N)") s: $state"
  case $state in complete | failed) break ;; esac
done

# What the VM shows.
vm_run node-1 120 'journalctl -b -o short-unix --no-pager' >"$d/journal.txt"
vm_run node-1 60 'cat /var/lib/bundle/journal.log' >"$d/agent-journal.log"
vm_run node-1 60 '/usr/local/bin/bundle node status 2>&1 || /var/lib/bundle/agent/bundle node status 2>&1' >"$d/status.txt"
vm_run node-1 60 'cat /var/log/k3s-stand-in.log' >"$d/k3s-stand-in.log"
vm_run node-1 60 'systemctl --failed --no-legend; cloud-init status --long; nft list tables; networkctl list --no-legend; ip -br addr' >"$d/system.txt"
clock=$(vm_run node-1 30 'date +%s.%N')
skew=$(awk -v g="$clock" -v h="$(date +%s.%N)" 'BEGIN { printf "%.1f", g - h }')
echo "# the VM's clock minus the host's: $skew s (at the end of the run)"

if [ "$state" = complete ]; then ok "node-1's install completed"; else not_ok "node-1's install: $state"; fi
has "$d/journal.txt" "bundle found on the seed volume" "the bootstrap found the bundle on CIDATA"
if grep -q "ordering cycle" "$d/journal.txt"; then not_ok "no ordering cycle in the journal"; else ok "no ordering cycle in the journal"; fi

# The timeline, on the host's clock (the journal's stamps are the VM's, which starts from the
# host's UTC; the skew above says how far it drifted).
echo "# timeline of node-1, seconds from power-on:"
old_ifs=$IFS
IFS='|'
for label in $vm_timeline_labels; do
  IFS=$old_ifs
  echo "#   $(vm_at node-1 "$(vm_pattern "$label")")  $label"
  IFS='|'
done
IFS=$old_ifs

echo "# failures and warnings the journal shows:"
grep -E -i 'fail|error|warn|ordering cycle' "$d/journal.txt" | grep -v -E 'vm-cmd|ACPI|PCI|pnp|ERST|EINJ|Firmware Bug' | head -n 40 | sed 's/^/#   /'

# The installed node rebooted (a clean reboot): it comes back with its firewall, mesh, peer
# server and K3s (stand-in) up, its bootstrap unit disabled, and runs no install.
if [ "$state" = complete ]; then
  boot_id=$(vm_run node-1 30 'cat /proc/sys/kernel/random/boot_id')
  vm_run node-1 30 'systemctl --no-block reboot' >/dev/null
  rebooted=$(date +%s.%N)
  again=""
  until [ $(($(date +%s) - started)) -ge "$timeout" ]; do
    sleep 5
    again=$(vm_run node-1 60 'cat /proc/sys/kernel/random/boot_id') || continue
    [ "$again" != "$boot_id" ] && break
  done
  if [ -n "$again" ] && [ "$again" != "$boot_id" ]; then ok "node-1 rebooted"; else not_ok "node-1 did not come back from its reboot"; fi
  # shellcheck disable=SC2016 # expanded in the VM
  vm_run node-1 300 'systemctl is-system-running --wait; for u in bundle-firewall bundle-node k3s systemd-networkd; do
      echo "$u $(systemctl is-active $u.service)"; done
    echo "bundle-bootstrap $(systemctl is-enabled bundle-bootstrap.service)"
    nft list tables; networkctl list --no-legend' >"$d/after-reboot.txt"
  echo "# after the reboot, $(awk -v s="$rebooted" -v t="$(date +%s.%N)" 'BEGIN { printf "%.1f", t - s }') s after it was asked:"
  sed 's/^/#   /' "$d/after-reboot.txt"
  vm_run node-1 120 'journalctl -b -o short-unix --no-pager' >"$d/journal-after-reboot.txt"
  for unit in bundle-firewall bundle-node k3s; do
    has "$d/after-reboot.txt" "$unit active" "after the reboot: $unit.service is active"
  done
  has "$d/after-reboot.txt" "table inet bundle_host" "after the reboot: the bundle_host table is loaded"
  has "$d/after-reboot.txt" "bundle-bootstrap disabled" "after the reboot: the bootstrap unit stays disabled"
  if grep -q "bundle node: install" "$d/journal-after-reboot.txt"; then not_ok "after the reboot: no install ran"; else
    ok "after the reboot: no install ran"; fi
  if grep -q "ordering cycle" "$d/journal-after-reboot.txt"; then not_ok "after the reboot: no ordering cycle"; else
    ok "after the reboot: no ordering cycle"; fi
  grep -E -i 'fail|error|warn' "$d/journal-after-reboot.txt" | grep -v -E 'vm-cmd|ACPI|PCI|pnp|ERST|EINJ|Firmware Bug' |
    head -n 20 | sed 's/^/#   after reboot: /'
fi

# No secret of the cluster in what the run leaves behind.
{ cat site/secrets/k3s-token; echo; cat site/secrets/wireguard/node-1.key; echo; sed -n 2p site/secrets/bundle.key; } |
  grep -v '^$' >"$work/secrets.lst"
leaked=""
for f in "$d"/*.log "$d"/*.txt; do grep -qF -f "$work/secrets.lst" "$f" && leaked="$leaked $f"; done
rm -f "$work/secrets.lst"
if [ -z "$leaked" ]; then ok "no secret in the serial log, journals or agent logs"; else not_ok "a secret in$leaked"; fi

vm_stop node-1
echo "# took $(($(date +%s) - started)) s; logs in $d"
finish
