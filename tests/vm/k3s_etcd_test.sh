#!/bin/sh
# Host test of tests/vm/k3s-etcd, the stand-in for K3s over Debian's real etcd: three stand-ins
# on 127.0.0.1, .2 and .3 (own config, own data dir, same ports) behave as K3s's embedded etcd
# does where the product depends on it. Each check prints one line; every process started here is
# stopped (a trap). Needs etcd and etcdctl (etcd-server, etcd-client) and systemd-notify.
# Usage: k3s_etcd_test.sh [STANDIN]  (default: k3s-etcd next to this script)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
standin=${1:-$here/k3s-etcd}
for tool in etcd etcdctl python3; do
  command -v "$tool" >/dev/null || { echo "k3s_etcd_test: $tool is missing (ci/setup installs it)"; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/k3s-etcd-test.XXXXXX")
# Ports of this run, the same on all three addresses (as K3s's 2379/2380 are on every node).
client_port=$((21000 + $$ % 4000 * 2))
peer_port=$((client_port + 1))
export K3S_STANDIN_CLIENT_PORT=$client_port K3S_STANDIN_PEER_PORT=$peer_port
# etcd's heartbeat and election timeout (ms) tenfold shorter than K3s's 500/5000, for a short test.
export K3S_STANDIN_ETCD_TIMING="${K3S_STANDIN_ETCD_TIMING:-100 1000}"
started=$(date +%s)
failures=0
pids=""

cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null || :; done
  for pid in $pids; do wait "$pid" 2>/dev/null || :; done
  # etcd children of a stand-in that died without stopping them: found by this run's own
  # data dirs (a path no other process names).
  for pid in $(pgrep -f -- "--data-dir=$work/" || :); do kill -9 "$pid" 2>/dev/null || :; done
  if [ "$failures" -gt 0 ]; then
    for log in "$work"/*.log; do echo "--- $log (last lines)"; grep 'stand-in' "$log" | tail -n 8; done
  fi
  [ -n "${K3S_ETCD_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok      $1 ($(($(date +%s) - started)) s)"; }
fail() { echo "FAILED  $1"; failures=$((failures + 1)); }
check() { what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

# config N INIT|JOIN_ADDRESS [NAME]: node N's config.yaml, as payload/k3s/10-config.sh writes it.
config() {
  n=$1 how=$2 name=${3:-node-$1}
  mkdir -p "$work/n$n"
  {
    echo "# Written by the test, the shape of payload/k3s/10-config.sh's."
    if [ "$how" = init ]; then echo "cluster-init: true"; else echo "server: https://$how:6443"; fi
    echo "token-file: $work/token"
    echo "node-name: $name"
    echo "node-ip: 127.0.0.$n"
    echo "advertise-address: 127.0.0.$n"
    echo "etcd-snapshot-dir: $work/n$n/snapshots"
  } >"$work/n$n/config.yaml"
}
echo "K10stand-in::server:token" >"$work/token"

on() { n=$1; shift; K3S_STANDIN_CONFIG=$work/n$n/config.yaml K3S_STANDIN_DATA_DIR=$work/n$n/server "$@"; }
k3s() { n=$1; shift; on "$n" "$standin" "$@"; }

# start N: `k3s server` of node N in the background, its log in n.log.
# A simple command, not a function, so that $! is the stand-in itself (the unit's main process).
start() {
  K3S_STANDIN_CONFIG=$work/n$1/config.yaml K3S_STANDIN_DATA_DIR=$work/n$1/server \
    "$standin" server >>"$work/$1.log" 2>&1 &
  eval "pid_$1=$!"
  pids="$pids $!"
}

# stop N: as systemd stops K3s (SIGTERM to the main process); waits for it.
stop() {
  eval "pid=\${pid_$1:-}"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || :
  wait "$pid" 2>/dev/null || :
  eval "pid_$1="
}

# exited N SECONDS: node N's stand-in exited by itself within SECONDS; its status in $status.
exited() {
  eval "pid=\${pid_$1}"
  t=$(($2 * 4))
  while kill -0 "$pid" 2>/dev/null && [ "$t" -gt 0 ]; do sleep 0.25; t=$((t - 1)); done
  kill -0 "$pid" 2>/dev/null && return 1
  status=0
  wait "$pid" 2>/dev/null || status=$?
  eval "pid_$1="
  return 0
}

readyz() { [ "$(k3s "$1" kubectl get --raw=/readyz 2>/dev/null)" = ok ]; }

# ready N SECONDS: node N answers /readyz "ok" within SECONDS.
ready() {
  t=$(($2 * 4))
  while [ "$t" -gt 0 ]; do
    readyz "$1" && return 0
    sleep 0.25
    t=$((t - 1))
  done
  return 1
}

ctl() { n=$1; shift; ETCDCTL_API=3 etcdctl --dial-timeout=2s --command-timeout=5s --endpoints="http://127.0.0.$n:$client_port" "$@"; }
members() { ctl "$1" member list 2>/dev/null | sort; }
cluster_id() { ctl "$1" member list -w fields 2>/dev/null | sed -n 's/^"ClusterID" : //p'; }

# one_cluster N...: every node N reports the same cluster ID and member list, of len($#) started
# voting members.
one_cluster() {
  first=$1 id=$(cluster_id "$1") list=$(members "$1")
  [ -n "$id" ] || return 1
  [ "$(printf '%s\n' "$list" | grep -c ', started, .*, false$')" -eq $# ] || return 1
  [ "$(printf '%s\n' "$list" | grep -c .)" -eq $# ] || return 1
  for n in "$@"; do
    [ "$(cluster_id "$n")" = "$id" ] && [ "$(members "$n")" = "$list" ] || return 1
  done
  echo "        cluster $id on nodes $*; members of node $first:"
  printf '%s\n' "$list" | sed 's/^/          /'
}

member_name() { cat "$work/n$1/server/db/etcd/name"; }

# --- a cluster of three, one join at a time ---------------------------------------------------
config 1 init
config 2 127.0.0.1
config 3 127.0.0.1
# node-3's start is watched as systemd would: READY=1 on a notify socket.
notify_socket=$work/notify.sock
python3 - "$notify_socket" >"$work/notify.out" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    data = s.recv(4096).decode()
    print(data.replace("\n", " "), flush=True)
EOF
pids="$pids $!"

start 1
check "node-1 initialises a new one-member cluster and answers /readyz" ready 1 20
start 2
check "node-2 joins through node-1 (learner, then promoted) and answers /readyz" ready 2 20
while [ ! -S "$notify_socket" ]; do sleep 0.1; done
NOTIFY_SOCKET=$notify_socket start 3
check "node-3 joins through node-1 and answers /readyz" ready 3 20
check "the same cluster ID and three started voting members on every node" one_cluster 1 2 3
notified() { grep -q 'READY=1' "$work/notify.out"; }
check "node-3 told systemd READY=1 (Type=notify) once it was a voter" notified
address() { [ "$(k3s 1 kubectl get node node-2 -o 'jsonpath={.metadata.annotations.etcd\.k3s\.cattle\.io/node-address}')" = 127.0.0.2 ]; }
check "node-2's recorded etcd node-address is its node-ip" address
wait_ready() { k3s 1 kubectl wait --for=condition=Ready node/node-3 --timeout=10s >/dev/null; }
check "kubectl wait --for=condition=Ready node/node-3" wait_ready

# --- a second node-3 is refused while node-3's member exists ----------------------------------
config 4 127.0.0.1 node-3
start 4
duplicate() {
  exited 4 20 && [ "$status" -ne 0 ] &&
    grep -q 'duplicate node name found, please use a unique name for this node' "$work/4.log" &&
    [ ! -e "$work/n4/server/db/etcd/name" ] && one_cluster 1 2 3 >/dev/null
}
check "a join named node-3 from 127.0.0.4 is refused: duplicate node name found (nothing added)" duplicate

# --- deleting node-3 removes its member; it rejoins once its database is set aside -------------
old_name=$(member_name 3)
deleted() {
  [ "$(k3s 1 kubectl delete node node-3 --ignore-not-found --timeout=120s)" = 'node "node-3" deleted' ] &&
    ! members 1 | grep -q ", $old_name, " && one_cluster 1 2 >/dev/null
}
check "kubectl delete node node-3 removes its etcd member" deleted
removed_exits() { exited 3 30 && [ "$status" -ne 0 ]; }
check "node-3's etcd, removed from the cluster, stops" removed_exits
again() { [ -z "$(k3s 1 kubectl delete node node-3 --ignore-not-found)" ]; }
check "deleting node-3 again with --ignore-not-found is a no-op" again
start 3
refused_with_old_db() { exited 3 30 && [ "$status" -ne 0 ] && ! readyz 3; }
check "node-3 restarted on its old database does not rejoin (k3s #13498)" refused_with_old_db
mv "$work/n3/server/db" "$work/n3/server/db-set-aside"
start 3
rejoined() { ready 3 20 && [ "$(member_name 3)" != "$old_name" ] && one_cluster 1 2 3; }
check "node-3 with its database set aside rejoins under a new member name" rejoined

# --- cluster reset on node-1 after losing node-2 and node-3 -------------------------------------
ctl 1 put /bundle-test/written-before-reset "kept" >/dev/null
stop 2
stop 3
no_quorum() { ! readyz 1; }
check "node-1 alone out of three (no quorum): /readyz fails" no_quorum
stop 1
down() { ! readyz 1; }
check "node-1's etcd down: /readyz fails" down
reset_ok() {
  k3s 1 server --cluster-reset >>"$work/1.log" 2>&1 && [ -e "$work/n1/server/db/reset-flag" ] &&
    grep -q 'membership has been reset' "$work/1.log"
}
check "k3s server --cluster-reset exits 0 and leaves server/db/reset-flag" reset_ok
second_reset() {
  ! k3s 1 server --cluster-reset >"$work/reset2.out" 2>&1 &&
    grep -q 'previously reset' "$work/reset2.out"
}
check "a second --cluster-reset while the reset-flag exists is refused" second_reset
start 1
after_reset() {
  ready 1 20 && [ ! -e "$work/n1/server/db/reset-flag" ] && one_cluster 1 &&
    [ "$(ctl 1 get --print-value-only /bundle-test/written-before-reset)" = kept ]
}
check "node-1 starts as a one-member cluster with the data written before; the flag is gone" after_reset
mv "$work/n2/server/db" "$work/n2/server/db-set-aside"
start 2
rejoin_after_reset() { ready 2 20 && one_cluster 1 2 >/dev/null; }
check "node-2 with its database set aside joins the reset cluster" rejoin_after_reset

stop 2
stop 1
echo "$failures failed, $(($(date +%s) - started)) s"
[ "$failures" -eq 0 ]
