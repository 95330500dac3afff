#!/bin/sh
# Scenario 3 of issue 13, "Reboots": one node of a one-node cluster boots from the seed ISO that
# `bundle image` writes (cloud-init reads the user-data, runcmd starts bundle-bootstrap.service,
# the bootstrap finds the bundle on the CIDATA volume and runs `bundle node install`), and is
# hard-reset twice while it installs: qemu's `system_reset` (a power cut: the page cache is
# lost, nothing is shut down) once during the extract phase and once during harden. After each
# reset the VM must come back, start bundle-bootstrap.service again at boot (the unit is enabled
# until the install completes; cloud-init's runcmd runs only at the first boot), show no
# "ordering cycle" in any boot, resume the install at the phase it was in (the agent's journal
# /var/lib/bundle/journal.log: the phases done before are "done before", the interrupted one
# starts again) and end it complete and healthy (`bundle node status`). Then the installed node
# is rebooted cleanly and must come back with its firewall (table inet bundle_host), mesh
# (wg-mesh), agent (bundle-node.service) and K3s (stand-in) up, and run no install.
#
# The stand-in bundle alone extracts in well under a second, too short to be caught by a poll:
# the test's image definition carries one more artifact, VM_FILLER_MIB (default 256) MiB of random
# bytes made by the test (incompressible, so the bundle's compression does not shrink it), so that
# verifying and extracting take several seconds under TCG. K3s in the bundle is a STAND-IN
# (tests/vm/standin/), not K3s: K3s cannot be had here.
#
# Prints the VM's timeline (seconds from power-on, on the host's clock), what failed, and the
# scenario's line "reboots ok|FAILED <evidence> <seconds> seconds"; leaves in WORK_DIR/vms/node-1/
# the serial log (kernel and journal of every boot: the only record of a boot's last seconds
# before a reset, which the persistent journal may not have flushed), the whole journal
# (journal.txt, journal-boots.txt), the agent's journal and status, and the stand-in's calls.
# The VM is always stopped (tests/vm/lib.sh).
#
# The node agent must be a portable Release `bundle` (the sanitized test build does not run on a
# stock Debian): BUNDLE, $BUNDLE_PORTABLE_BUNDLE, or one built here in WORK_DIR/release.
# Needs root (debootstrap) and qemu-system-x86, qemu-utils; exits 77 (skipped) without them.
# VM_BOOT_TIMEOUT (seconds, default 1500) bounds the whole run.
# Usage: boot_test.sh REPOSITORY WORK_DIR [BUNDLE]
set -u
repo=$(cd "$1" && pwd)
mkdir -p "$2" && work=$(cd "$2" && pwd)
binary=${3:-${BUNDLE_PORTABLE_BUNDLE:-}}
timeout=${VM_BOOT_TIMEOUT:-1500}
filler_mib=${VM_FILLER_MIB:-256}
vm_here=$repo/tests/vm
# shellcheck source=tests/cli/harness.sh
. "$repo/tests/cli/harness.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"
# shellcheck source=tests/vm/lib.sh
. "$vm_here/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "ok - vm reboots # SKIP needs root"; exit 77; fi
elapsed() { echo $(($(date +%s) - started)); }
vm_begin reboots "$repo" "$work" "$binary"

# The cluster: tests/node/site.sh's, with node-2 and node-3 taken out (a one-node cluster), and
# K3s's binary and install.sh replaced by the VM stand-ins; plus the filler artifact (see above).
site=$work/site
rm -rf "$site" && mkdir -p "$site" && cd "$site" || exit 1
stand_in_cluster "$bundle" 7443 || vm_give_up "bundle init"
sed -i '/name: node-[23],/d' site/cluster.yaml
stand_in_image_files "$repo" "$bundle"
cp "$vm_here/standin/k3s" img/files/k3s
cp "$vm_here/standin/install.sh" img/files/install.sh
head -c "$((filler_mib * 1048576))" /dev/urandom >img/files/filler.bin
stand_in_image 1 | sed '/^payload:/i\  - {name: filler, path: files/filler.bin, dest: filler/random.bin}' >img/site.yaml
expect 0 "bundle build (one-node cluster, K3s stand-in, $filler_mib MiB of random filler)" "$bundle" build \
  --image img/site.yaml --cluster site/cluster.yaml --out dist --quiet
expect 0 "bundle image node-1" "$bundle" image --cluster site/cluster.yaml --node node-1 \
  --bundle dist/site-1.bundle --out node-1-seed.iso --quiet
[ -f node-1-seed.iso ] || vm_give_up "no seed ISO"
rm -f img/files/filler.bin

vm_start node-1 1 "$site/node-1-seed.iso"
d=$vm_dir/node-1

# The agent's journal and the VM's state in one line: "BOOT_ID STATE LAST-JOURNAL-LINE", STATE
# being complete, failed (the bootstrap unit failed and waits for its restart), PHASE-started
# (the journal's latest phase line is "PHASE start": it runs now), PHASE-missed (it is done
# already: the poll was too slow for it) or running.
# shellcheck disable=SC2016 # expanded in the VM
probe='j=/var/lib/bundle/journal.log; b=$(cat /proc/sys/kernel/random/boot_id)
  p=$(grep -E "^[^ ]+ [a-z0-9]+ (start|done)\$" $j 2>/dev/null | tail -n 1 | cut -d " " -f 2-)
  if grep -q " install complete" $j 2>/dev/null; then s=complete
  elif systemctl is-failed --quiet bundle-bootstrap.service; then s=failed
  elif [ "$p" = "$PHASE start" ]; then s=$PHASE-started
  elif grep -q " $PHASE done\$" $j 2>/dev/null; then s=$PHASE-missed
  else s=running; fi
  echo "$b $s $(tail -n 1 $j 2>/dev/null)"'

# poll PHASE INTERVAL: asks `probe` every INTERVAL seconds (plus the channel's own time) until the
# install is complete, failed, or PHASE started (PHASE "-" never matches); the last answer in
# $answer, its state in $state. A change of boot id while polling is a reboot nobody asked for.
poll() {
  state=""
  until [ "$(elapsed)" -ge "$timeout" ]; do
    answer=$(vm_run node-1 30 "PHASE=$1; $probe") || { sleep "$2"; continue; }
    state=$(echo "$answer" | cut -d ' ' -f 2)
    case $state in complete | failed | "$1"-started | "$1"-missed) return 0 ;; esac
    sleep "$2"
  done
  state="timeout"
}

# wait_boot OLD_BOOT_ID: until the VM answers with another boot id; its seconds in $boot_seconds.
wait_boot() {
  t0=$(date +%s)
  until [ "$(elapsed)" -ge "$timeout" ]; do
    new=$(vm_run node-1 10 'cat /proc/sys/kernel/random/boot_id' 2>/dev/null) && [ -n "$new" ] && [ "$new" != "$1" ] &&
      { boot_seconds=$(($(date +%s) - t0)); return 0; }
    sleep 2
  done
  boot_seconds=-
  return 1
}

# reset_during PHASE: waits for PHASE to start (the journal polled about every 0.3 s), then
# hard-resets the VM and waits for it to answer again. Says what the agent was doing then.
resets=""
reset_during() {
  poll "$1" 0.3
  if [ "$state" != "$1-started" ]; then
    not_ok "a reset during $1: the phase was never seen running (state: $state; last: $answer)"
    return 1
  fi
  vm_monitor node-1 system_reset
  at=$(vm_seconds node-1 "$(date +%s.%N)")
  old_boot=$(echo "$answer" | cut -d ' ' -f 1)
  echo "# $at s: system_reset during $1; the agent's journal said: $(echo "$answer" | cut -d ' ' -f 3-)"
  ok "node-1 hard-reset during $1 (at $at s)"
  if wait_boot "$old_boot"; then ok "node-1 came back from the reset during $1 ($boot_seconds s)"; else
    not_ok "node-1 did not come back from the reset during $1"
    return 1
  fi
  resets="$resets $1@${at}s"
}

reset_during extract && reset_during harden
# The rest of the install, asked every 10 s.
poll - 10
echo "# $(vm_seconds node-1 "$(date +%s.%N)") s: $state: $(echo "$answer" | cut -d ' ' -f 3-)"

# What the VM shows.
vm_run node-1 120 'journalctl -b -o short-unix --no-pager' >"$d/journal.txt"
vm_run node-1 60 'journalctl --list-boots --no-pager' >"$d/boots.txt"
# shellcheck disable=SC2016 # expanded in the VM
vm_run node-1 180 'for b in $(journalctl --list-boots --no-pager | awk "NR > 1 { print \$1 }"); do
    echo "=== boot $b"; journalctl -b "$b" -o short-unix --no-pager; done' >"$d/journal-boots.txt"
vm_run node-1 60 'cat /var/lib/bundle/journal.log' >"$d/agent-journal.log"
vm_run node-1 60 '/usr/local/bin/bundle node status 2>&1' >"$d/status.txt"
vm_run node-1 60 'cat /var/log/k3s-stand-in.log' >"$d/k3s-stand-in.log"
vm_run node-1 60 'systemctl --failed --no-legend; cloud-init status --long; nft list tables; networkctl list --no-legend; ip -br addr' >"$d/system.txt"
clock=$(vm_run node-1 30 'date +%s.%N')
skew=$(awk -v g="$clock" -v h="$(date +%s.%N)" 'BEGIN { printf "%.1f", g - h }')
echo "# the VM's clock minus the host's: $skew s (at the end of the run)"

if [ "$state" = complete ]; then ok "node-1's install completed after the resets"; else not_ok "node-1's install: $state"; fi
has "$d/serial.log" "bundle found on the seed volume" "the bootstrap found the bundle on CIDATA"

# Every boot (three: the first, and one after each reset), seen in the persistent journal.
boots=$(awk 'NR > 1' "$d/boots.txt" | grep -c .)
if [ "$boots" -eq 3 ]; then ok "three boots in the journal"; else not_ok "three boots in the journal: $boots"; sed 's/^/#   /' "$d/boots.txt"; fi
# bundle-bootstrap.service started in each of them: at the first by cloud-init's runcmd, after
# each reset by systemd at boot (multi-user.target wants it until the install completes).
started_in=$(awk '/^=== boot/ { b++ } /Start(ing|ed) bundle-bootstrap.service|Start(ing|ed) bundle node bootstrap/ { s[b] = 1 } END { n = 0; for (i in s) n++; print n }' "$d/journal-boots.txt")
if [ "$started_in" -eq "$boots" ] && [ "$boots" -ge 3 ]; then ok "bundle-bootstrap.service started in each of the $boots boots"; else
  not_ok "bundle-bootstrap.service started in $started_in of $boots boots"; fi
# No ordering cycle in any boot: the journal of each, and the serial log, which has every boot
# to its last line (the persistent journal may lose a reset boot's last seconds).
if grep -q "ordering cycle" "$d/journal-boots.txt" "$d/serial.log"; then
  not_ok "no ordering cycle in any boot"
  grep -h "ordering cycle" "$d/journal-boots.txt" "$d/serial.log" | head -n 5 | sed 's/^/#   /'
else ok "no ordering cycle in any boot (journal and serial log)"; fi
# The boots after the resets started the unit through systemd, not through cloud-init's runcmd
# (`systemctl enable --now`, whose "Created symlink" line cloud-init logs): runcmd runs once per
# instance. Counted per boot in the serial log (a boot starts at the kernel's "Linux version").
awk '/^\[ *0\.000000\] Linux version/ { b++ } /cloud-init\[[0-9]+\]: Created symlink .*bundle-bootstrap.service/ { r[b]++ }
  END { for (i = 1; i <= b; i++) printf "%s%d", (i > 1 ? " " : ""), r[i] + 0; print "" }' "$d/serial.log" >"$d/runcmd-per-boot.txt"
echo "# runcmd's enable of bundle-bootstrap.service per boot (serial log): $(cat "$d/runcmd-per-boot.txt")"
if [ "$(cat "$d/runcmd-per-boot.txt")" = "1 0 0" ]; then ok "runcmd enabled the unit at the first boot only; systemd started it after each reset"; else
  not_ok "runcmd enabled the unit at the first boot only (per boot: $(cat "$d/runcmd-per-boot.txt"))"; fi

# The install's runs, from the agent's journal: one line per run of `bundle node install`, with
# what each phase did ("before": done before; "start", "done"). The journal is synced line by line
# (node/state.h), so the run a reset cut short keeps its last line.
awk '/ install node / { if (n++) print run; run = ""; next }
  / (obtain|extract|harden|mesh|k3s|addons|health) (start|done|done before)$/ {
    p = $2; $1 = ""; $2 = ""; sub(/^  /, ""); run = run " " p "=" ($0 == "done before" ? "before" : $0) }
  END { if (n) print run }' "$d/agent-journal.log" >"$d/runs.txt"
echo "# the install's runs (agent journal):"
sed 's/^/#  /' "$d/runs.txt"
runs=$(grep -c . "$d/runs.txt")
all_done=" harden=done mesh=start mesh=done k3s=start k3s=done addons=start addons=done health=start health=done"
# The first run: cut by the reset during extract.
if [ "$(sed -n 1p "$d/runs.txt")" = " obtain=start obtain=done extract=start" ]; then
  ok "the first run: obtain done, cut during extract"; else not_ok "the first run: obtain done, cut during extract"; fi
# After the reset during extract: obtain is not redone, extract runs again, then the reset during harden.
if [ "$(sed -n 2p "$d/runs.txt")" = " obtain=before extract=start extract=done harden=start" ]; then
  ok "after the reset during extract: obtain not redone, extract ran again (cut during harden)"; else
  not_ok "after the reset during extract: obtain not redone, extract ran again (cut during harden)"; fi
# After the reset during harden: obtain and extract are not redone, harden starts again, and the rest.
if [ "$(sed -n 3p "$d/runs.txt")" = " obtain=before extract=before harden=start$all_done" ]; then
  ok "after the reset during harden: obtain and extract not redone, harden ran again, and every phase after it"; else
  not_ok "after the reset during harden: obtain and extract not redone, harden ran again, and every phase after it"; fi
if [ "$runs" -eq 3 ]; then ok "three runs of the install"; else not_ok "three runs of the install: $runs"; fi

# Healthy: every phase done, version 1 installed, no phase pending, every check ok.
has "$d/status.txt" "phases:    obtain, extract, harden, mesh, k3s, addons, health" "status: every phase done"
has "$d/status.txt" "installed: version 1" "status: version 1 installed"
if grep -q -E '^(phase|error):|^check .*: no' "$d/status.txt"; then not_ok "status: healthy (no phase pending, no error, every check ok)"
  sed 's/^/#   /' "$d/status.txt"; else ok "status: healthy (no phase pending, no error, every check ok)"; fi

# The timeline of the last boot, on the host's clock from power-on (the journal's stamps are the
# VM's, which starts from the host's UTC; the skew above says how far it drifted).
echo "# timeline of node-1's last boot (after the second reset), seconds from the first power-on:"
old_ifs=$IFS
IFS='|'
for label in $vm_timeline_labels; do
  IFS=$old_ifs
  echo "#   $(vm_at node-1 "$(vm_pattern "$label")")  $label"
  IFS='|'
done
IFS=$old_ifs

echo "# failures and warnings the journals show:"
grep -E -i 'fail|error|warn|ordering cycle' "$d/journal-boots.txt" | grep -v -E 'vm-cmd|ACPI|PCI|pnp|ERST|EINJ|Firmware Bug' | head -n 40 | sed 's/^/#   /'

# The installed node rebooted (a clean reboot): it comes back with its firewall, mesh, peer
# server and K3s (stand-in) up, its bootstrap unit disabled, and runs no install.
reboot_ok=no
if [ "$state" = complete ]; then
  boot_id=$(vm_run node-1 30 'cat /proc/sys/kernel/random/boot_id')
  vm_run node-1 30 'systemctl --no-block reboot' >/dev/null
  rebooted=$(date +%s.%N)
  if wait_boot "$boot_id"; then ok "node-1 rebooted"; else not_ok "node-1 did not come back from its reboot"; fi
  # shellcheck disable=SC2016 # expanded in the VM
  vm_run node-1 300 'systemctl is-system-running --wait; for u in bundle-firewall bundle-node k3s systemd-networkd; do
      echo "$u $(systemctl is-active $u.service)"; done
    echo "bundle-bootstrap $(systemctl is-enabled bundle-bootstrap.service)"
    nft list tables; networkctl list --no-legend; ip -br addr show wg-mesh' >"$d/after-reboot.txt"
  echo "# after the reboot, $(awk -v s="$rebooted" -v t="$(date +%s.%N)" 'BEGIN { printf "%.1f", t - s }') s after it was asked:"
  sed 's/^/#   /' "$d/after-reboot.txt"
  vm_run node-1 120 'journalctl -b -o short-unix --no-pager' >"$d/journal-after-reboot.txt"
  vm_run node-1 60 'cat /var/lib/bundle/journal.log' >"$d/agent-journal-after-reboot.log"
  before=$failed
  for unit in bundle-firewall bundle-node k3s; do
    has "$d/after-reboot.txt" "$unit active" "after the reboot: $unit.service is active"
  done
  has "$d/after-reboot.txt" "table inet bundle_host" "after the reboot: the bundle_host table is loaded"
  if grep -q -E '^ *[0-9]+ wg-mesh +wireguard +routable' "$d/after-reboot.txt" && grep -q '^wg-mesh .*10\.6\.0\.1/' "$d/after-reboot.txt"; then
    ok "after the reboot: wg-mesh is up (routable, 10.6.0.1)"; else not_ok "after the reboot: wg-mesh is up (routable, 10.6.0.1)"; fi
  has "$d/after-reboot.txt" "bundle-bootstrap disabled" "after the reboot: the bootstrap unit stays disabled"
  if grep -q "bundle node: install" "$d/journal-after-reboot.txt" ||
    ! cmp -s "$d/agent-journal.log" "$d/agent-journal-after-reboot.log"; then not_ok "after the reboot: no install ran"; else
    ok "after the reboot: no install ran (nothing added to the agent's journal)"; fi
  if grep -q "ordering cycle" "$d/journal-after-reboot.txt"; then not_ok "after the reboot: no ordering cycle"; else
    ok "after the reboot: no ordering cycle"; fi
  grep -E -i 'fail|error|warn' "$d/journal-after-reboot.txt" | grep -v -E 'vm-cmd|ACPI|PCI|pnp|ERST|EINJ|Firmware Bug' |
    head -n 20 | sed 's/^/#   after reboot: /'
  [ "$failed" -eq "$before" ] && reboot_ok=yes
fi

# No secret of the cluster in what the run leaves behind.
{ cat site/secrets/k3s-token; echo; cat site/secrets/wireguard/node-1.key; echo; sed -n 2p site/secrets/bundle.key; } |
  grep -v '^$' >"$work/secrets.lst"
leaked=""
for f in "$d"/*.log "$d"/*.txt; do grep -qF -f "$work/secrets.lst" "$f" && leaked="$leaked $f"; done
rm -f "$work/secrets.lst"
if [ -z "$leaked" ]; then ok "no secret in the serial log, journals or agent logs"; else not_ok "a secret in$leaked"; fi

vm_stop node-1
evidence="resets:${resets:- none}, $boots boots each starting bundle-bootstrap ($started_in), $runs install runs (the last: $(tail -n 1 "$d/runs.txt" | awk '{ print $1, $2, $3 }') ...), install ${state:-unknown}, clean reboot back with firewall+mesh+agent+k3s and no install: $reboot_ok,"
if [ "$failed" -eq 0 ]; then vm_verdict ok "$evidence"; else vm_verdict FAILED "$evidence"; fi
echo "# logs in $d"
finish
