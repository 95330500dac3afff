# The three-node scenarios of issue 13 (three_nodes_test.sh's header lists them), one function
# each, run in order on the same VMs; sourced after tests/vm/cluster.sh.
# shellcheck shell=sh
# shellcheck disable=SC2154 # nodes, site, timeout, vm_dir...: set by three_nodes_test.sh and lib.sh
# shellcheck disable=SC2086 # $nodes is a list of names, one per word

# wait_for SECONDS NODE COMMAND: until COMMAND (in NODE) succeeds; its last output in $waited.
wait_for() {
  limit=$(($(date +%s) + $1))
  while :; do
    waited=$(vm_run "$2" 60 "$3" 2>&1) && return 0
    [ "$(date +%s)" -lt "$limit" ] || return 1
    sleep 5
  done
}

# --- split at first boot, then scenario 1: three fresh nodes ----------------------------------
scenario_first_boot() {
  scenario_begin split-at-first-boot
  for n in $nodes; do vm_start "$n" "${n#node-}" "$site/$n-seed.iso"; done
  # The cut, on node-1 and node-2, as soon as their command channel answers: seconds after the
  # kernel starts, minutes before the mesh phase.
  for n in node-1 node-2; do
    if vm_run "$n" 300 true && cl_cut "$n" 203.0.113.12 >"$vm_dir/$n/cut.txt" 2>&1; then
      # A cut after the mesh came up would prove nothing about a first boot.
      early=$(vm_run "$n" 30 'grep -c " mesh " /var/lib/bundle/journal.log 2>/dev/null || true')
      if [ "${early:-0}" = 0 ]; then
        ok "$n drops node-3's WireGuard packets from $(vm_seconds "$n" "$(date +%s.%N)") s after power-on, before its mesh phase"
      else not_ok "the cut on $n came after its mesh phase had started"; fi
    else
      not_ok "the cut on $n: $(cat "$vm_dir/$n/cut.txt")"
    fi
  done
  # Nodes 1 and 2 must wait, naming node-3 unreachable; node-3 names both. Then a minute more of
  # rounds, in which nobody may start etcd: a peer that does not answer might hold a cluster.
  # shellcheck disable=SC2016 # expanded in the VM
  waiting='grep "waiting (round" /var/lib/bundle/journal.log | tail -n 1 | grep "unreachable"'
  seen=""
  for n in $nodes; do
    if wait_for "$timeout" "$n" "$waiting"; then
      seen="$seen $n"
      echo "# $n: $waited"
    fi
  done
  for n in node-1 node-2; do
    case $(vm_run "$n" 60 "$waiting") in
      *"node-3 (10.6.0.3): unreachable"*) ok "$n waits, naming node-3 unreachable" ;;
      *) not_ok "$n waits, naming node-3 unreachable (seen waiting:$seen)" ;;
    esac
  done
  case $(vm_run node-3 60 "$waiting") in
    *"node-1 (10.6.0.1): unreachable"*"node-2 (10.6.0.2): unreachable"*) ok "node-3 waits, naming node-1 and node-2 unreachable" ;;
    *) not_ok "node-3 waits, naming node-1 and node-2 unreachable" ;;
  esac
  sleep 60
  etcds=0 rounds=""
  for n in $nodes; do
    c=$(vm_run "$n" 30 'pgrep -c -x etcd || true') || c=unanswered
    case $c in '' | *[!0-9]*) not_ok "$n did not say how many etcd run: '$c'"; c=0 ;; esac
    etcds=$((etcds + c))
    rounds="$rounds $n:$(vm_run "$n" 30 'grep -c "waiting (round" /var/lib/bundle/journal.log')"
  done
  if [ "$etcds" = 0 ]; then ok "a minute later still no etcd on any node (waiting rounds:$rounds)"; else
    not_ok "no etcd while node-3 is cut off: $etcds running"; fi
  for n in node-1 node-2; do cl_heal "$n" >/dev/null 2>&1 || not_ok "the heal on $n"; done
  healed=$(date +%s)
  scenario_end split-at-first-boot "waiting with node-3 unreachable:$seen; etcd processes after a minute more: $etcds; rounds:$rounds,"

  scenario_begin three-fresh-nodes
  cl_wait "$timeout" $nodes || not_ok "the installs ended within ${timeout} s"
  complete=0
  for n in $nodes; do
    cl_collect "$n"
    d=$vm_dir/$n
    if [ "$(cat "$d/state")" = complete ]; then ok "$n's install completed"; complete=$((complete + 1)); else
      not_ok "$n's install: $(cat "$d/state")"; fi
    has "$d/journal.txt" "bundle found on the seed volume" "$n: the bootstrap found the bundle on CIDATA"
    if grep -q "ordering cycle" "$d/journal.txt"; then not_ok "$n: an ordering cycle in the journal"; else
      ok "$n: no ordering cycle in the journal"; fi
  done
  cl_same_cluster 3 $nodes
  first_ids=$cl_ids
  founder=""
  for n in $nodes; do grep -q "starting etcd for new cluster" "$vm_dir/$n/k3s.txt" && founder="$founder $n"; done
  founder=${founder# }
  if [ "$founder" = node-1 ]; then ok "node-1 founded the cluster (and nobody else)"; else not_ok "node-1 founded the cluster: founders '$founder'"; fi
  joined=0
  for n in node-2 node-3; do
    if grep -q "adding member $n-" "$vm_dir/$n/k3s.txt" && grep -q "promoted learner $n-" "$vm_dir/$n/k3s.txt"; then
      ok "$n joined as a learner and was promoted"
      joined=$((joined + 1))
    else not_ok "$n joined as a learner and was promoted"; fi
  done
  pairs=0
  for n in $nodes; do
    # shellcheck disable=SC2016 # expanded in the VM
    vm_run "$n" 90 'for a in 10.6.0.1 10.6.0.2 10.6.0.3; do
        if ETCDCTL_API=3 etcdctl --endpoints=http://$a:2379 --dial-timeout=5s --command-timeout=10s endpoint health >/dev/null 2>&1;
        then echo "$a healthy"; else echo "$a unreachable"; fi; done' >"$vm_dir/$n/mesh-health.txt"
    pairs=$((pairs + $(grep -c ' healthy$' "$vm_dir/$n/mesh-health.txt")))
  done
  if [ "$pairs" = 9 ]; then ok "etcd answers over the mesh from every node to every node (9 of 9)"; else
    not_ok "etcd answers over the mesh from every node to every node ($pairs of 9)"; fi
  # `bundle node status` reads the handshakes from the kernel (no `wg` in the image): each node
  # names both of its peers with a handshake some seconds ago.
  shaken=0
  for n in $nodes; do
    vm_run "$n" 60 '/usr/local/bin/bundle node status --json' >"$vm_dir/$n/status.json"
    peers=$(python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))["mesh"]["handshakes"]
print(" ".join(sorted(p["peer"] for p in h if p["latest"] > 0 and 0 <= p["seconds_ago"] < 600)))' "$vm_dir/$n/status.json" 2>/dev/null)
    want=$(echo "$nodes" | tr ' ' '\n' | grep -vx "$n" | tr '\n' ' ')
    if [ "$peers " = "$want" ]; then shaken=$((shaken + 1)); else
      not_ok "$n's status names a recent handshake with each peer: '$peers'"; sed 's/^/#   /' "$vm_dir/$n/status.json"; fi
  done
  [ "$shaken" = 3 ] && ok "every node's status shows a recent WireGuard handshake with both peers (read from the kernel)"
  # Written now, read back after the later scenarios: the data outlives a wipe and a force-init.
  cl_etcd node-2 put /vmtest/marker written-after-first-boot >/dev/null || not_ok "the marker written through node-2"
  print_timeline
  scenario_end three-fresh-nodes "installs $complete/3 complete, $cl_evidence, founder ${founder:-none}, $joined/2 joined, mesh etcd health $pairs/9 pairs, handshakes in status $shaken/3, $(($(date +%s) - healed)) s after the heal,"
}

# The first-boot timeline per node (seconds from power-on, host's clock) and the medians.
print_timeline() {
  echo "# timeline, seconds from each VM's power-on (node-3 cut off until the heal): node-1 node-2 node-3 | median"
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
}

# --- scenario 2: hardening, seen from a peer --------------------------------------------------
scenario_hardening() {
  scenario_begin hardening
  # Something listening on node-1's every address on the ports nothing else uses, so that "open"
  # and "dropped" tell the firewall's answer apart from an empty port.
  vm_run node-1 30 "cat >/run/vmtest-listen.py <<'PY'
import select, socket
listening = []
for port in (80, 443, 6443, 10250, 9999):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(('0.0.0.0', port)); s.listen(16); listening.append(s)
    except OSError:
        pass
while True:
    ready, _, _ = select.select(listening, [], [])
    for s in ready:
        s.accept()[0].close()
PY
systemd-run --unit=vmtest-listen python3 /run/vmtest-listen.py && sleep 2 && ss -ltn" >"$vm_dir/node-1/listening.txt" ||
    not_ok "the test's listener on node-1"
  public=$(cl_port_probe node-2 203.0.113.10 22 80 443 6443 2379 2380 10250 "$agent_port" 9999)
  mesh=$(cl_port_probe node-2 10.6.0.1 22 6443 2379 2380 10250 "$agent_port" 9999)
  want_public="22:open 80:open 443:open 6443:dropped 2379:dropped 2380:dropped 10250:dropped $agent_port:dropped 9999:dropped "
  want_mesh="22:open 6443:open 2379:open 2380:open 10250:open $agent_port:open 9999:dropped "
  if [ "$public" = "$want_public" ]; then ok "node-1's public address from node-2: $public"; else
    not_ok "node-1's public address from node-2: $public (wanted $want_public)"; fi
  if [ "$mesh" = "$want_mesh" ]; then ok "node-1's mesh address from node-2: $mesh"; else
    not_ok "node-1's mesh address from node-2: $mesh (wanted $want_mesh)"; fi
  vm_run node-1 30 'systemctl stop vmtest-listen' >/dev/null

  # sshd, asked by a real client: the admin's key lets `debian` in; the same key is refused for
  # root even when root's authorized keys hold it; the server offers public keys only.
  vm_run node-2 30 "umask 077 && mkdir -p /root/.ssh && cat >/root/.ssh/vmtest <<'KEY'
$(cat "$site/admin_key")
KEY" >/dev/null || not_ok "the test's key into node-2"
  key=$(cat "$site/admin_key.pub")
  vm_run node-1 30 "umask 077 && mkdir -p /root/.ssh && echo '$key' >>/root/.ssh/authorized_keys &&
    echo '$key' >/etc/ssh/bundle_authorized_keys/root" >/dev/null || not_ok "the key for root on node-1"
  ssh_base="-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 -i /root/.ssh/vmtest"
  ssh_opts="$ssh_base -o LogLevel=ERROR"
  as_admin=$(vm_run node-2 60 "ssh $ssh_opts debian@203.0.113.10 id -un 2>&1")
  as_root=$(vm_run node-2 60 "ssh $ssh_opts root@203.0.113.10 id -un 2>&1; echo exit=\$?")
  methods=$(vm_run node-2 60 "ssh -v $ssh_base -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive debian@203.0.113.10 true 2>&1 | tr -d '\\r' | grep 'Authentications that can continue' | sort -u")
  vm_run node-1 30 'rm -f /etc/ssh/bundle_authorized_keys/root' >/dev/null
  if [ "$as_admin" = debian ]; then ok "ssh: the admin's key logs in as debian"; else not_ok "ssh as debian: $as_admin"; fi
  case $as_root in
    *"Permission denied"*exit=255) ok "ssh: root is refused, even with its key authorized" ;;
    *) not_ok "ssh as root: $as_root" ;;
  esac
  case $methods in
    *"can continue: publickey") ok "ssh: the server offers public keys only ($methods)" ;;
    *) not_ok "ssh: the server's methods: ${methods:-none seen}" ;;
  esac

  sysctls=$(vm_run node-1 30 'sysctl -n vm.panic_on_oom vm.overcommit_memory kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes | tr "\n" " "')
  if [ "$sysctls" = "0 1 10 1 1000000 25000000 " ]; then ok "the sysctls K3s's protect-kernel-defaults checks: $sysctls"; else
    not_ok "the sysctls protect-kernel-defaults checks: $sysctls"; fi
  # shellcheck disable=SC2016 # expanded in the VM
  timesync=$(vm_run node-1 30 'echo "NTP=$(timedatectl show -p NTP --value) timesyncd=$(systemctl is-active systemd-timesyncd)"')
  if [ "$timesync" = "NTP=yes timesyncd=active" ]; then ok "time sync on: $timesync"; else not_ok "time sync: $timesync"; fi

  # A reboot of the installed node-1: everything back, and no install.
  boot_before=$(vm_run node-1 30 'cat /proc/sys/kernel/random/boot_id')
  [ -n "$boot_before" ] || not_ok "node-1's boot id before the reboot"
  installs_before=$(vm_run node-1 30 'grep -c " install " /var/lib/bundle/journal.log')
  vm_run node-1 10 'systemctl reboot' >/dev/null 2>&1
  rebooted=$(date +%s)
  wait_for 600 node-1 "[ \"\$(cat /proc/sys/kernel/random/boot_id)\" != '$boot_before' ]" || not_ok "node-1 came back from its reboot"
  # shellcheck disable=SC2016 # expanded in the VM
  back='r=""; nft list table inet bundle_host >/dev/null 2>&1 && r="$r firewall"
    ip link show wg-mesh 2>/dev/null | grep -q ",UP" && r="$r mesh"
    systemctl is-active --quiet bundle-node.service && r="$r agent"
    systemctl is-active --quiet k3s.service && r="$r k3s"
    ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=3s --command-timeout=5s endpoint health >/dev/null 2>&1 && r="$r etcd"
    echo "$r"; [ "$r" = " firewall mesh agent k3s etcd" ]'
  if wait_for 600 node-1 "$back"; then ok "after the reboot:$waited up ($(($(date +%s) - rebooted)) s)"; else
    not_ok "after the reboot, up:$waited (wanted firewall mesh agent k3s etcd)"; fi
  installs_after=$(vm_run node-1 30 'grep -c " install " /var/lib/bundle/journal.log')
  bootstrap_runs=$(vm_run node-1 30 'journalctl -b -q -u bundle-bootstrap.service --no-pager | grep -c . || true')
  if [ "$installs_after" = "$installs_before" ] && [ "$bootstrap_runs" = 0 ]; then
    ok "no install after the reboot (the agent's journal unchanged, bundle-bootstrap.service did not run)"
  else not_ok "an install after the reboot: install lines $installs_before -> $installs_after, bootstrap unit lines $bootstrap_runs"; fi
  vm_run node-1 60 'journalctl -b -o short-unix --no-pager' >"$vm_dir/node-1/journal-reboot.txt"
  if grep -q "ordering cycle" "$vm_dir/node-1/journal-reboot.txt"; then not_ok "an ordering cycle after the reboot"; else
    ok "no ordering cycle after the reboot"; fi
  cl_same_cluster 3 $nodes
  if [ "$cl_ids" = "$first_ids" ]; then ok "the same members as at first boot"; else not_ok "members changed: $first_ids -> $cl_ids"; fi
  scenario_end hardening "public [${public% }], mesh [${mesh% }], ssh debian:$as_admin root:refused methods:${methods##*: }, sysctls ok, $timesync, after the reboot:$waited, $cl_evidence,"
}

# --- scenario 6, second half: a split of the running cluster ----------------------------------
scenario_split_running() {
  scenario_begin split-running
  before=$cl_ids
  cl_cut node-1 203.0.113.11 203.0.113.12 >/dev/null || not_ok "the cut on node-1"
  cut_at=$(date +%s)
  sleep 20
  written=$(cl_etcd node-2 put /vmtest/split written-during-the-split 2>&1)
  if [ "$written" = OK ]; then ok "node-2 and node-3 keep quorum: a write through node-2 succeeds"; else
    not_ok "a write through node-2 during the split: $written"; fi
  # Failures of the commands themselves (1), not of the channel or a missing command (125, 127).
  n1=$(vm_run node-1 60 "$cl_etcdctl endpoint health 2>&1; echo exit=\$?")
  case $n1 in
    *exit=1) ok "node-1's etcd has lost quorum (endpoint health fails)" ;;
    *) not_ok "node-1's etcd health when cut off: $n1" ;;
  esac
  ready=$(vm_run node-1 60 'k3s kubectl get --raw=/readyz 2>&1; echo exit=$?')
  case $ready in
    *exit=1) ok "node-1's K3s (stand-in) not ready while cut off" ;;
    *) not_ok "node-1's K3s (stand-in) /readyz when cut off: $ready" ;;
  esac
  left=$((60 - ($(date +%s) - cut_at)))
  [ "$left" -gt 0 ] && sleep "$left"
  decisions=$(vm_run node-1 30 'grep -c "decision:" /var/lib/bundle/journal.log')
  cl_heal node-1 >/dev/null || not_ok "the heal on node-1"
  healed=$(date +%s)
  if wait_for 300 node-1 "$cl_etcdctl get --consistency=s --print-value-only /vmtest/split | grep -x written-during-the-split"; then
    ok "node-1 has the write made during the split ($(($(date +%s) - healed)) s after the heal)"
  else not_ok "node-1 has the write made during the split: $waited"; fi
  wait_for 120 node-1 "$cl_etcdctl endpoint health" >/dev/null || not_ok "node-1's etcd healthy again"
  cl_same_cluster 3 $nodes
  if [ "$cl_ids" = "$before" ]; then ok "the same members before and after the split"; else not_ok "members changed: $before -> $cl_ids"; fi
  decisions_after=$(vm_run node-1 30 'grep -c "decision:" /var/lib/bundle/journal.log')
  if [ -n "$decisions" ] && [ "$decisions" = "$decisions_after" ]; then ok "node-1's agent took no bootstrap decision during or after the split"; else
    not_ok "node-1's agent decided again: $decisions -> $decisions_after decision lines"; fi
  scenario_end split-running "write through node-2 during the split: $written, node-1 quorum lost, back in $(($(date +%s) - healed)) s with the write, $cl_evidence,"
}

# --- scenario 4: node-1 wiped, the bundle from a peer ------------------------------------------
scenario_node1_wiped() {
  scenario_begin node-1-wiped
  old_id=$(echo "$cl_ids" | tr ' ' '\n' | sed -n 's/^node-1-[0-9a-f]*=//p')
  vm_stop node-1
  rm -rf "$vm_dir/node-1.first"
  mv "$vm_dir/node-1" "$vm_dir/node-1.first"
  vm_start node-1 1 "$site/node-1-bare-seed.iso"
  cl_wait "$timeout" node-1 || not_ok "node-1's install ended within ${timeout} s"
  cl_collect node-1
  d=$vm_dir/node-1
  if [ "$(cat "$d/state")" = complete ]; then ok "node-1's install completed"; else not_ok "node-1's install: $(cat "$d/state")"; fi
  from=$(grep -o 'bundle fetched from peer [^ ]*' "$d/journal.txt" | head -n 1)
  if [ -n "$from" ] && ! grep -q "bundle found on the seed volume" "$d/journal.txt"; then ok "node-1: $from over the mesh (its seed holds none)"; else
    not_ok "node-1 fetched the bundle from a peer: '${from}'"; fi
  stale=$(grep -o 'node-[23] on a stale member of node-1: .*' "$d/agent-journal.log" | head -n 1)
  if [ -n "$stale" ]; then ok "the stale member removed through a peer: $stale"; else not_ok "no stale member removal in node-1's agent journal"; fi
  cl_same_cluster 3 $nodes
  new_id=$(echo "$cl_ids" | tr ' ' '\n' | sed -n 's/^node-1-[0-9a-f]*=//p')
  if [ -n "$new_id" ] && [ "$new_id" != "$old_id" ] && ! echo "$cl_ids" | grep -q "=$old_id\b"; then
    ok "node-1 is a new member ($new_id; the old $old_id is gone)"
  else not_ok "node-1's member: old $old_id, now '$new_id' in $cl_ids"; fi
  marker=$(cl_etcd node-1 get --consistency=s --print-value-only /vmtest/marker)
  if [ "$marker" = written-after-first-boot ]; then ok "node-1 holds the data written before the wipe"; else not_ok "the marker on node-1: '$marker'"; fi
  scenario_end node-1-wiped "${from:-no peer fetch}, stale member $old_id removed, new member $new_id, $cl_evidence,"
}

# --- scenario 5: two nodes lost, force-init, the others reinstalled -----------------------------
scenario_force_init() {
  scenario_begin force-init
  vm_stop node-2
  vm_stop node-3
  # shellcheck disable=SC2016 # expanded in the VM
  forced=$(vm_run node-1 300 '/usr/local/bin/bundle node bootstrap --force-init 2>&1; echo "exit=$?"')
  echo "$forced" | sed 's/^/#   node-1: /'
  case $forced in *"decision: init"*exit=0) ok "bundle node bootstrap --force-init on node-1" ;; *) not_ok "bundle node bootstrap --force-init" ;; esac
  # shellcheck disable=SC2016 # expanded in the VM
  vm_run node-1 1800 '/usr/local/bin/bundle node install --quiet >/var/lib/bundle/rerun.log 2>&1; echo "exit=$?"' >"$vm_dir/node-1/rerun.exit"
  vm_run node-1 60 'cat /var/lib/bundle/rerun.log' >"$vm_dir/node-1/rerun.log"
  if [ "$(cat "$vm_dir/node-1/rerun.exit")" = exit=0 ]; then ok "the install again on node-1"; else
    not_ok "the install again on node-1: $(cat "$vm_dir/node-1/rerun.exit")"; sed 's/^/#   /' "$vm_dir/node-1/rerun.log" | tail -n 20; fi
  cl_same_cluster 1 node-1
  alone=$cl_evidence
  kept=$(cl_etcd node-1 get --consistency=s --print-value-only /vmtest/marker)
  if [ "$kept" = written-after-first-boot ]; then ok "the one-member cluster has the data written before"; else not_ok "the marker after the force-init: '$kept'"; fi
  for n in node-2 node-3; do
    rm -rf "$vm_dir/$n.first"
    mv "$vm_dir/$n" "$vm_dir/$n.first"
    vm_start "$n" "${n#node-}" "$site/$n-seed.iso"
  done
  cl_wait "$timeout" node-2 node-3 || not_ok "the reinstalls ended within ${timeout} s"
  for n in node-2 node-3; do
    cl_collect "$n"
    if [ "$(cat "$vm_dir/$n/state")" = complete ]; then ok "$n reinstalled"; else not_ok "$n's reinstall: $(cat "$vm_dir/$n/state")"; fi
  done
  cl_same_cluster 3 $nodes
  marker=$(cl_etcd node-3 get --consistency=s --print-value-only /vmtest/marker)
  if [ "$marker" = written-after-first-boot ]; then ok "node-3 has the data written before the force-init"; else not_ok "the marker on node-3: '$marker'"; fi
  scenario_end force-init "node-1 alone: $alone; then $cl_evidence, marker on node-3: ${marker:-none},"
}
