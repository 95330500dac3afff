# A cluster whose bundle holds STAND-INS for K3s's files, for the tests that run the node agent
# whole (tests/node/*_test.sh, tests/portability/portability_test.sh, tests/peer/scenarios.sh);
# sourced, in the test's work folder. The payload is the real one; K3s's binary, images, chart, Argo CD manifest
# and install.sh are stand-ins named like the real files, and so are the system's commands.
# shellcheck shell=sh
# shellcheck disable=SC2154 # agent, repo, work, bin, state and calls: the set-up functions below use the sourcing script's

# stand_in_cluster BUNDLE PORT: site/ with its secrets (`bundle init`) and a three-node
# cluster.yaml whose node agents listen on PORT, with a GitOps root app.
stand_in_cluster() {
  "$1" init --dir site >/dev/null || return 1
  cat >site/cluster.yaml <<YAML
apiVersion: bundle/v1
kind: Cluster
name: prod
mesh: {agent_port: $2}
nodes:
  - {name: node-1, public_ipv4: 203.0.113.10, mesh_ipv4: 10.6.0.1}
  - {name: node-2, public_ipv4: 203.0.113.11, mesh_ipv4: 10.6.0.2}
  - {name: node-3, public_ipv4: 203.0.113.12, mesh_ipv4: 10.6.0.3}
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop
tls_names: [k8s.example.org]
gitops: {repository: "https://git.example.org/ops/cluster.git", revision: main, path: clusters/prod}
bundle_sources:
  - http://127.0.0.1:9/{file}
YAML
}

# stand_in_image_files REPOSITORY AGENT: img/payload (the repository's) and img/files: AGENT as
# the bundle's bin/bundle, and stand-ins, not K3s, for the rest.
stand_in_image_files() {
  mkdir -p img/files
  cp -r "$1/payload" img/payload
  cp "$2" img/files/agent
  printf 'stand-in k3s binary\n' >img/files/k3s
  printf 'stand-in air-gap images\n' >img/files/airgap.tar.zst
  printf 'stand-in chart\n' >img/files/cilium.tgz
  printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-server\n' >img/files/install.yaml
  cat >img/files/install.sh <<'SH'
#!/bin/sh
# A stand-in for K3s's install.sh, not the real one: records its call, writes the unit the real one
# writes, and starts K3s as the real one does (install.sh, service_enable_and_start): unless
# INSTALL_K3S_SKIP_START=true, and only when the binary, the unit or its environment file changed
# while it ran ("No change detected so skipping service start"), through a blocking
# `systemctl restart k3s`.
echo "install.sh $*" >>"$CALLS"
files="$BUNDLE_ROOT/usr/local/bin/k3s $BUNDLE_ROOT/etc/systemd/system/k3s.service $BUNDLE_ROOT/etc/systemd/system/k3s.service.env"
# shellcheck disable=SC2086 # one path per word
before=$(sha256sum $files 2>&1)
mkdir -p "$BUNDLE_ROOT/etc/systemd/system"
printf '[Service]\nType=notify\nTimeoutStartSec=0\nExecStart=/usr/local/bin/k3s server\n' >"$BUNDLE_ROOT/etc/systemd/system/k3s.service"
env | grep -E '^(K3S|CONTAINERD)_' >"$BUNDLE_ROOT/etc/systemd/system/k3s.service.env"
systemctl enable "$BUNDLE_ROOT/etc/systemd/system/k3s.service" >/dev/null
systemctl daemon-reload
[ "${INSTALL_K3S_SKIP_START:-}" != true ] || exit 0
# shellcheck disable=SC2086 # one path per word
if [ "$(sha256sum $files 2>&1)" = "$before" ]; then
  echo "[INFO]  No change detected so skipping service start"
  exit 0
fi
systemctl restart k3s
SH
}

# stand_in_image VERSION: the image definition (on stdout) of img/files, named site.
stand_in_image() {
  cat <<YAML
apiVersion: bundle/v1
kind: Image
name: site
version: $1
arch: amd64
artifacts:
  - {name: k3s, path: files/k3s, dest: k3s/k3s, mode: "0755"}
  - {name: k3s-airgap-images, path: files/airgap.tar.zst, dest: k3s/images/k3s-airgap-images-amd64.tar.zst}
  - {name: k3s-install, path: files/install.sh, dest: k3s/install.sh, mode: "0755"}
  - {name: cilium, path: files/cilium.tgz, dest: charts/cilium-1.18.14.tgz}
  - {name: argocd-install, path: files/install.yaml, dest: manifests/argocd/install.yaml}
  - {name: node-agent, path: files/agent, dest: bin/bundle, mode: "0755"}
payload: payload/
YAML
}

# stand_in_commands DIR: stand-ins for the system's commands in DIR, not the real ones: each
# appends "NAME ARGS" to $CALLS. nft fails when $STATE/nft-fails exists, and Cilium's rollout
# when $STATE/cilium-fails does; etcd's address (the node annotation) is 127.0.0.1, node-1's mesh
# address, or what $STATE/etcd-address holds; timedatectl says NTP is on.
#
# K3s and its unit, as K3s and systemd behave (read in K3s's install.sh, pkg/etcd/etcd.go,
# pkg/cluster/managed.go):
#   - k3s.service runs while $STATE/k3s-active exists (`systemctl is-active`); `systemctl stop`
#     removes it, `start` (of a stopped unit) and `restart` make it. A start counts one line in
#     $STATE/k3s-starts.
#   - k3s.service is Type=notify with TimeoutStartSec=0: while $STATE/k3s-never-ready exists, K3s
#     never says READY=1, so `systemctl start|restart k3s` without --no-block never returns
#     (it polls, so removing the file, or $STATE, lets it end), and /readyz is refused.
#   - `k3s kubectl get --raw=/readyz` says ok while the unit runs and is ready.
#   - `k3s server --cluster-reset` fails at once when $STATE/reset-fails exists.
# With $STANDIN_ROOT (the root the agent installs into) also:
#   - a start records the SHA-256 of $STANDIN_ROOT/usr/local/bin/k3s in $STATE/k3s-running: the
#     binary the running K3s is;
#   - the node is named after config.yaml's node-name, else the kernel's hostname (`uname -n`),
#     and `kubectl wait node/X` and `get node X` answer NotFound for any other name;
#   - `k3s server --cluster-reset` refuses to run while server/db/reset-flag exists ("cluster-reset
#     was successfully performed, please remove the cluster-reset flag..."), writes the flag
#     before it resets, and dies right after writing it when $STATE/reset-dies exists; a normal
#     start removes the flag (managed.go, start).
# `k3s kubectl apply ... -f -` stands in for the API server's store: it appends what it reads
# on stdin, one object a line, to $STATE/applied.jsonl (not to $CALLS, which records argv only);
# while $STATE/apply-echoes exists it fails with an error that quotes a piece of a Secret's key.
stand_in_commands() {
  cat >"$1/standin" <<'SH'
#!/bin/sh
name=${0##*/}
echo "$name $*" >>"$CALLS"
db=${STANDIN_ROOT:+$STANDIN_ROOT/var/lib/rancher/k3s/server/db}
# k3s_starts: K3s starts on the binary in place; a normal start removes K3s's reset flag.
k3s_starts() {
  : >"$STATE/k3s-active"
  echo start >>"$STATE/k3s-starts"
  [ -n "${STANDIN_ROOT:-}" ] || return 0
  sha256sum <"$STANDIN_ROOT/usr/local/bin/k3s" | cut -d' ' -f1 >"$STATE/k3s-running"
  rm -f "$db/reset-flag"
}
# node_name: what K3s names this node.
node_name() {
  configured=$(sed -n 's/^node-name: *//p' "$STANDIN_ROOT/etc/rancher/k3s/config.yaml" 2>/dev/null)
  echo "${configured:-$(uname -n)}"
}
case $name in
  nft) [ ! -e "$STATE/nft-fails" ] || { echo "nft: stand-in failure" >&2; exit 3; } ;;
  systemctl)
    verb=$1
    shift
    block=yes
    unit=
    for arg in "$@"; do
      case $arg in --no-block) block=no ;; -*) ;; *) unit=$arg ;; esac
    done
    case "$verb ${unit%.service}" in
      is-active*) [ -e "$STATE/k3s-active" ]; exit ;;
      "stop k3s") rm -f "$STATE/k3s-active" ;;
      "start k3s" | "restart k3s")
        if [ "$verb" = restart ] || [ ! -e "$STATE/k3s-active" ]; then k3s_starts; fi
        if [ "$block" = yes ]; then
          while [ -e "$STATE/k3s-never-ready" ]; do sleep 0.1; done
        fi ;;
    esac ;;
  k3s) case "$*" in
    *readyz*)
      if [ -e "$STATE/k3s-active" ] && [ ! -e "$STATE/k3s-never-ready" ]; then echo ok; exit 0; fi
      echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?"
      exit 1 ;;
    *"wait --for=condition=Ready node/"* | *"get node "*)
      if [ -n "${STANDIN_ROOT:-}" ]; then
        asked=$(echo "$*" | sed -n 's|.*node/\([^ ]*\).*|\1|p; s|.*get node \([^ ]*\).*|\1|p' | head -n 1)
        if [ "$asked" != "$(node_name)" ]; then
          echo "Error from server (NotFound): nodes \"$asked\" not found" >&2
          exit 1
        fi
      fi
      case "$*" in *etcd*node-address*) cat "$STATE/etcd-address" 2>/dev/null || echo 127.0.0.1 ;; esac ;;
    "server --cluster-reset")
      [ ! -e "$STATE/reset-fails" ] || { echo "stand-in: etcd did not start" >&2; exit 1; }
      if [ -n "${STANDIN_ROOT:-}" ]; then
        if [ -e "$db/reset-flag" ]; then
          echo "level=fatal msg=\"Error: cluster-reset was successfully performed, please remove the cluster-reset flag and start k3s normally, if you need to perform another cluster reset, you must first manually delete the $db/reset-flag file\"" >&2
          exit 1
        fi
        mkdir -p "$db"
        : >"$db/reset-flag"
        [ ! -e "$STATE/reset-dies" ] || { echo "stand-in: killed during the reset" >&2; exit 137; }
      fi ;;
    "kubectl apply "*" -f -")
      input=$(cat)
      printf '%s\n' "$input" >>"$STATE/applied.jsonl"
      if [ -e "$STATE/apply-echoes" ]; then
        # As kubectl's errors can: quote a piece of what it read (from the middle of a Secret's key).
        piece=$(printf '%s' "$input" | sed -n 's/.*"sshPrivateKey":"\([^"]*\)".*/\1/p' | cut -c 101-160)
        echo "Error from server (BadRequest): stand-in error quoting its input: ...$piece..." >&2
        exit 1
      fi ;;
    *daemonset/cilium*) [ ! -e "$STATE/cilium-fails" ] || { echo "error: stand-in: daemon set cilium has 0 of 3 ready" >&2; exit 1; } ;;
  esac ;;
  timedatectl) [ "$1" = show ] && echo yes ;;
esac
exit 0
SH
  chmod +x "$1/standin"
  for name in systemctl networkctl nft sysctl sshd timedatectl k3s; do ln -s standin "$1/$name"; done
}

# stand_in_os ROOT: what the install's preflight (builder/node/preflight.h) looks for in a stock
# Debian 12 image, as stand-ins under ROOT, not the real files: systemd-networkd's unit,
# systemd-timesyncd's unit and the ntp-units.d list that names it (how systemd-timedated finds a
# time service), and WireGuard built into the running kernel (modules.builtin of `uname -r`). nft comes from
# stand_in_commands; sha256sum and tar are the machine's.
stand_in_os() {
  mkdir -p "$1/lib/systemd/system" "$1/lib/systemd/ntp-units.d" "$1/lib/modules/$(uname -r)" || return 1
  printf '# A stand-in for systemd-networkd.service, not the real unit.\n[Service]\n' \
    >"$1/lib/systemd/system/systemd-networkd.service"
  printf '# A stand-in for systemd-timesyncd.service, not the real unit.\n[Service]\n' \
    >"$1/lib/systemd/system/systemd-timesyncd.service"
  echo systemd-timesyncd.service >"$1/lib/systemd/ntp-units.d/80-systemd-timesync.list"
  echo kernel/drivers/net/wireguard/wireguard.ko >"$1/lib/modules/$(uname -r)/modules.builtin"
}

# node_files REPOSITORY USER_DATA ROOT: the node's files from its user-data under ROOT, with the
# mesh addresses moved to loopback (127.0.0.N) so that its peers can be real processes here, and
# the stand-in OS files of stand_in_os.
node_files() {
  python3 "$1/tests/node/apply_user_data.py" "$2" "$3" || return 1
  sed -i 's/mesh_ipv4: 10\.6\.0\./mesh_ipv4: 127.0.0./' "$3/etc/bundle/node.yaml"
  stand_in_os "$3"
}

# --- the set-up of the node test scripts -------------------------------------------------------
# For tests/node/*_test.sh, which set agent (the bundle binary under test), repo and test_name,
# source tests/payload/common.sh (the work folder, the harness's checks, root, bin, state, calls)
# and this file, and then call: stand_in_site, a build (build_site), use_stand_ins, and, when
# the node has peers, start_peers. node_root and install_node are for the checks.

# stand_in_site: in the work folder, site/ (stand_in_cluster; node agents on $port, or on a free
# port put in $port when it is unset) and img/ (stand_in_image_files) with a stand-in, not the real
# node agent, as the bundle's bin/bundle: the sanitized build is hundreds of MB, and the install
# under test is $agent itself. SOURCE_DATE_EPOCH is fixed, so that builds repeat.
stand_in_site() {
  port=${port:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  stand_in_cluster "$agent" "$port" || return 1
  printf '#!/bin/sh\n# A stand-in for the node agent inside the bundle, not the real one.\nexit 0\n' >stand-in-agent
  stand_in_image_files "$repo" stand-in-agent
  SOURCE_DATE_EPOCH=1700000000
  export SOURCE_DATE_EPOCH
}

# build_site VERSION OUT NAME: img/ as version VERSION (img/vVERSION.yaml), built with
# site/cluster.yaml into OUT (OUT/site-VERSION.bundle, OUT/cloud-init/) by a check named NAME.
build_site() {
  stand_in_image "$1" >"img/v$1.yaml"
  expect 0 "$3" "$agent" build --image "img/v$1.yaml" --cluster site/cluster.yaml --out "$2" --quiet
}

# node_root NAME ROOT [USER_DATA]: the node's files under ROOT from USER_DATA (by default
# dist/cloud-init/NAME.yaml), as node_files makes them, and the files of a stock Debian image that
# the hardening scripts read (os-release, passwd, sshd_config). Ends the test when it cannot.
node_root() {
  node_files "$repo" "${3:-dist/cloud-init/$1.yaml}" "$2" || exit 1
  mkdir -p "$2/etc/ssh"
  printf 'ID=debian\nVERSION_ID="12"\n' >"$2/etc/os-release"
  printf 'root:x:0:0:root:/root:/bin/bash\ndebian:x:1000:1000:Debian:/home/debian:/bin/bash\n' >"$2/etc/passwd"
  printf 'Include /etc/ssh/sshd_config.d/*.conf\n' >"$2/etc/ssh/sshd_config"
}

# use_stand_ins: the stand-ins of stand_in_commands in $bin, first in PATH, recording their calls
# in $calls and keeping what they stand for in $state; the bootstrap protocol asks the peers
# every 100 ms, not every 5 s.
use_stand_ins() {
  stand_in_commands "$bin"
  PATH=$bin:$PATH CALLS=$calls STATE=$state BUNDLE_PEER_POLL_MS=100
  export PATH CALLS STATE BUNDLE_PEER_POLL_MS
}

# start_peers DIST: node-2 and node-3 as real `bundle node serve` processes on 127.0.0.2 and
# 127.0.0.3 (roots $work/peer2 and peer3, from DIST/cloud-init; logs $work/serve2.log, serve3.log),
# fresh: no cluster, so node-1 initialises. Returns once both answer (10 s at most). Their ids are
# in $pids, node-3's last; at exit they are stopped and the work folder removed, after a stand-in
# systemctl still waiting for a never-ready K3s is let go (its file removed).
start_peers() {
  pids=""
  trap 'rm -f "$state/k3s-never-ready"; for pid in $pids; do kill "$pid" 2>/dev/null; done; rm -rf "$work"' EXIT
  for n in 2 3; do
    node_root "node-$n" "$work/peer$n" "$1/cloud-init/node-$n.yaml"
    "$agent" node serve --config "$work/peer$n/etc/bundle/node.yaml" --root "$work/peer$n" >"$work/serve$n.log" 2>&1 &
    pids="$pids $!"
  done
  for n in 2 3; do
    i=0
    until curl -fsS "http://127.0.0.$n:$port/v1/state" >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
  done
}

# install_node ROOT [ARGS...]: node-1's `bundle node install` into ROOT, polling every 50 ms and
# waiting $ready seconds (10 unless set) for each readiness check.
install_node() {
  r=$1
  shift
  "$agent" node install --config "$r/etc/bundle/node.yaml" --root "$r" --poll-ms 50 --ready-timeout "${ready:-10}" -j 2 "$@"
}
