# The three-node cluster in VMs (issue 13), sourced by three_nodes_test.sh after lib.sh and
# tests/cli/harness.sh: what the scenarios share. K3s in these VMs is the STAND-IN over Debian's
# real etcd (tests/vm/k3s-etcd), not K3s, so "one cluster" is asked of etcd itself.
#
#   scenario_begin NAME / scenario_end NAME EVIDENCE
#                          one line per scenario: "NAME ok|FAILED EVIDENCE SECONDS seconds" (ok when
#                          no check failed between the two), also kept in $work/scenarios.txt
#   cl_wait TIMEOUT NODE...     until each NODE's install is complete or its bootstrap unit failed;
#                          $vm_dir/NODE/state says which
#   cl_collect NODE        the journal, the agent's journal and status, the K3s unit's journal,
#                          the system's state and etcd's member list, into $vm_dir/NODE/
#   cl_members NODE FILE   etcd's member list on NODE, one line per member (see members_summary)
#   cl_same_cluster WANT NODE...
#                          checks that etcd on every NODE names the same cluster and the same
#                          WANT started voting members on the mesh addresses; the evidence in
#                          $cl_evidence, the member IDs in $cl_ids
#   cl_cut NODE ADDRESS... / cl_heal NODE
#                          drop (and stop dropping) on NODE the WireGuard packets from ADDRESS...
#                          (a table of the test's own, `inet vmtest_cut`, beside the product's
#                          `inet bundle_host`: a drop in any base chain is final in nftables)
#   cl_etcd NODE ARGS      etcdctl ARGS against NODE's own etcd; its output, its status
# shellcheck shell=sh
# shellcheck disable=SC2154 # vm_dir, work, failed: set by lib.sh, the test and harness.sh
# shellcheck disable=SC2034 # cl_evidence, cl_ids, cl_cluster: read by the scenarios

cl_wg_port=51820
cl_etcdctl='ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=5s --command-timeout=10s'

scenario_begin() {
  scenario_failed=$failed
  scenario_started=$(date +%s)
  echo "# === scenario: $1 ($(date -u +%H:%M:%S))"
}
scenario_end() {
  if [ "$failed" -eq "$scenario_failed" ]; then verdict=ok; else verdict=FAILED; fi
  echo "$1 $verdict $2 $(($(date +%s) - scenario_started)) seconds" | tee -a "$work/scenarios.txt"
}

# cl_wait TIMEOUT NODE...: asks every 10 s.
cl_wait() {
  limit=$(($(date +%s) + $1))
  shift
  for n in "$@"; do rm -f "$vm_dir/$n/state"; done
  # shellcheck disable=SC2016 # expanded in the VM
  probe='if grep -q "install complete" /var/lib/bundle/journal.log 2>/dev/null; then echo complete;
    elif systemctl is-failed --quiet bundle-bootstrap.service; then echo failed;
    else echo "running: $(cloud-init status 2>/dev/null | tr "\n" " ")$(tail -n 1 /var/lib/bundle/journal.log 2>/dev/null | cut -c 1-160)"; fi'
  while [ "$(date +%s)" -lt "$limit" ]; do
    pending=0
    for n in "$@"; do
      f=$vm_dir/$n/state
      case $(cat "$f" 2>/dev/null) in complete | failed) continue ;; esac
      vm_run "$n" 60 "$probe" >"$f" 2>/dev/null || echo "no answer" >"$f"
      echo "# $n $(vm_seconds "$n" "$(date +%s.%N)") s: $(cat "$f")"
      case $(cat "$f") in complete | failed) ;; *) pending=1 ;; esac
    done
    [ "$pending" = 0 ] && return 0
    sleep 10
  done
  return 1
}

cl_collect() {
  d=$vm_dir/$1
  vm_run "$1" 120 'journalctl -b -o short-unix --no-pager' >"$d/journal.txt"
  vm_run "$1" 60 'cat /var/lib/bundle/journal.log' >"$d/agent-journal.log"
  vm_run "$1" 60 '/usr/local/bin/bundle node status 2>&1' >"$d/status.txt"
  vm_run "$1" 60 'journalctl -b -u k3s.service -o short-unix --no-pager' >"$d/k3s.txt"
  vm_run "$1" 60 'systemctl --failed --no-legend; cloud-init status --long; nft list tables; networkctl list --no-legend; ip -br addr' >"$d/system.txt"
  vm_run "$1" 60 'ip -s link show wg-mesh; networkctl status wg-mesh --no-pager' >"$d/wg.txt"
  cl_members "$1" "$d/members.summary"
}

# members_summary JSON: "cluster ID", then "member ID NAME PEER_URLS started|unstarted learner|voter"
# per member, sorted, from `etcdctl member list -w json`; "no-answer" when it is not JSON.
members_summary() {
  python3 -c 'import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    print("no-answer"); sys.exit(0)
print("cluster %x" % j["header"]["cluster_id"])
rows = []
for m in j.get("members", []):
    started = "started" if m.get("name") and m.get("clientURLs") else "unstarted"
    role = "learner" if m.get("isLearner") else "voter"
    rows.append("member %x %s %s %s %s" % (m["ID"], m.get("name", "-") or "-", ",".join(m.get("peerURLs", [])), started, role))
print("\n".join(sorted(rows)))' "$1"
}

cl_members() {
  vm_run "$1" 60 "$cl_etcdctl member list -w json" >"$2.json" 2>/dev/null
  members_summary "$2.json" >"$2"
}

cl_etcd() {
  node=$1
  shift
  vm_run "$node" 60 "$cl_etcdctl $*"
}

# cl_same_cluster WANT NODE...
cl_same_cluster() {
  want=$1
  shift
  first=$1 ids="" answered=0
  for n in "$@"; do
    cl_members "$n" "$vm_dir/$n/members.summary"
    echo "# etcd on $n:"
    sed 's/^/#   /' "$vm_dir/$n/members.summary"
    id=$(sed -n 's/^cluster //p' "$vm_dir/$n/members.summary")
    [ -n "$id" ] && answered=$((answered + 1)) ids="$ids $id"
  done
  # shellcheck disable=SC2086 # one ID per word
  distinct=$(printf '%s\n' $ids | grep . | sort -u | grep -c .)
  same=1
  for n in "$@"; do cmp -s "$vm_dir/$first/members.summary" "$vm_dir/$n/members.summary" || same=0; done
  voters=$(grep -c ' http://10\.6\.0\.[1-3]:2380 started voter$' "$vm_dir/$first/members.summary")
  total=$(grep -c '^member ' "$vm_dir/$first/members.summary")
  cl_ids=$(awk '/^member / { print $3 "=" $2 }' "$vm_dir/$first/members.summary" | tr '\n' ' ')
  cl_cluster=$(sed -n 's/^cluster //p' "$vm_dir/$first/members.summary")
  if [ "$answered" = "$#" ] && [ "$distinct" = 1 ] && [ "$same" = 1 ] && [ "$voters" = "$want" ] && [ "$total" = "$want" ]; then
    ok "one etcd cluster ($cl_cluster) with the same $want started voters on $*: $cl_ids"
  else
    not_ok "one etcd cluster with $want started voters on $*: $answered answered, $distinct cluster IDs, same lists: $same, $voters voters of $total members"
  fi
  cl_evidence="etcd cluster $cl_cluster on $answered/$# nodes ($distinct distinct), $voters/$want started voters [${cl_ids% }]"
}

cl_cut() {
  node=$1
  shift
  set -- "$(echo "$*" | sed 's/ /, /g')"
  vm_run "$node" 30 "nft add table inet vmtest_cut && nft add chain inet vmtest_cut input '{ type filter hook input priority -10; }' &&
    nft add rule inet vmtest_cut input ip saddr '{ $1 }' udp dport $cl_wg_port drop && nft list table inet vmtest_cut"
}
cl_heal() { vm_run "$1" 30 'nft delete table inet vmtest_cut'; }

# cl_port_probe NODE ADDRESS PORT...: from NODE, "PORT:open|refused|dropped" per PORT of ADDRESS
# (a TCP connect with a 3 s limit: open = accepted, refused = a reset came back, dropped = nothing).
cl_port_probe() {
  node=$1 address=$2
  shift 2
  vm_run "$node" 120 "python3 -c '
import socket, sys
for port in sys.argv[2:]:
    s = socket.socket(); s.settimeout(3)
    try:
        s.connect((sys.argv[1], int(port))); r = \"open\"
    except ConnectionRefusedError:
        r = \"refused\"
    except OSError:
        r = \"dropped\"
    s.close(); print(\"%s:%s\" % (port, r), end=\" \")
' $address $*"
}
