#!/bin/sh
# Scenario 7 of issue 13, "`bundle push` over real SSH": a fresh Debian 12 VM that got no bundle
# user-data is installed by `bundle push` from the host, logged in as the image's default user
# `debian` (passwordless sudo), instead of by cloud-init.
#
# The VM's seed ISO (volume CIDATA, written here with xorriso) carries only meta-data and a
# minimal cloud-config that gives the default user the test's SSH key (generated at run time).
# Debian's cloud-init makes that user: its cloud.cfg's system_info.default_user is `debian` with
# `sudo: ["ALL=(ALL) NOPASSWD:ALL"]`, and a top-level `ssh_authorized_keys` goes to the default
# user (cloud-init's cc_ssh); `disable_root: true` gives root the same key behind a command that
# only says to log in as debian.
#
# The host cannot reach the VM's public address (203.0.113.10 lives on a qemu multicast socket
# network). The VM gets a second NIC, qemu user-mode networking with `restrict=on` (the guest
# reaches nothing through it: no routing to the host or outside; only the forward below works)
# and one forward, 127.0.0.1:PORT on the host to the guest's port 22. The guest has no DHCP
# client for that NIC (no networkd file matches its MAC): the test gives it 10.0.2.15/24 through
# the VM's command channel, with no gateway and no DNS, and checks that the guest has neither a
# default route nor a resolver through it. The hardening's firewall accepts 22/tcp on every
# interface (payload/harden/20-firewall.sh), so the forwarded connection, which arrives from
# 10.0.2.2, is not a special case for it.
#
# Asserted: before the push, the fresh VM lets the test's key in as debian with `sudo -n`, and its
# sshd still offers passwords (the baseline that makes the checks after the push mean something);
# `bundle push --ssh debian@127.0.0.1 --port PORT --identity KEY` exits 0 and its streamed output
# shows every phase done and the install complete; on the VM the install is complete, `bundle node
# status` healthy, the bundle_host table loaded, and sshd refuses password logins (the server no
# longer offers the password method) and root logins (even with a key root has), while the test's
# key, one of cluster.yaml's ssh_authorized_keys, still logs in as debian; a second push (same
# bundle) gets in, uploads nothing, and succeeds with every phase done before; no secret of the
# cluster (nor the test's private key) in the pushes' output, the VM's journal or serial log; and
# the node rebooted comes back as node-1 with its firewall, agent and K3s (stand-in) up and runs
# no install.
# Prints "push ok|FAILED <evidence> <seconds> seconds". K3s in the bundle is a STAND-IN
# (tests/vm/standin/), not K3s.
#
# The node agent must be a portable Release `bundle`: BUNDLE, $BUNDLE_PORTABLE_BUNDLE, or one built
# here in WORK_DIR/release. Needs root, qemu-system-x86, qemu-utils, xorriso, ssh and ssh-keygen;
# exits 77 (skipped) without them. VM_BOOT_TIMEOUT (seconds, default 1200) bounds the run.
# Usage: push_test.sh REPOSITORY WORK_DIR [BUNDLE]
set -u
repo=$(cd "$1" && pwd)
mkdir -p "$2" && work=$(cd "$2" && pwd)
binary=${3:-${BUNDLE_PORTABLE_BUNDLE:-}}
timeout=${VM_BOOT_TIMEOUT:-1200}
vm_here=$repo/tests/vm
# shellcheck source=tests/cli/harness.sh
. "$repo/tests/cli/harness.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"
# shellcheck source=tests/vm/lib.sh
. "$vm_here/lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "ok - vm push # SKIP needs root"; exit 77; fi
for tool in xorriso ssh ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "ok - vm push # SKIP $tool is not installed"; exit 77; }
done
vm_begin push "$repo" "$work" "$binary"

# The cluster: tests/node/site.sh's as a one-node cluster, K3s the VM stand-in, and the test's
# own key (made now, never kept) added to cluster.yaml's ssh_authorized_keys.
site=$work/push-site
rm -rf "$site" && mkdir -p "$site" && cd "$site" || exit 1
stand_in_cluster "$bundle" 7443 || vm_give_up "bundle init"
sed -i '/name: node-[23],/d' site/cluster.yaml
ssh-keygen -q -t ed25519 -N '' -C bundle-vm-push-test -f "$site/id_test" || exit 1
pub=$(cat "$site/id_test.pub")
sed -i "/alice@laptop/a\\  - $pub" site/cluster.yaml
stand_in_image_files "$repo" "$bundle"
cp "$vm_here/standin/k3s" img/files/k3s
cp "$vm_here/standin/install.sh" img/files/install.sh
stand_in_image 1 >img/site.yaml
expect 0 "bundle build (one-node cluster, K3s stand-in, the test's key in ssh_authorized_keys)" "$bundle" build \
  --image img/site.yaml --cluster site/cluster.yaml --out dist --quiet

# The seed: no bundle user-data, only the default user's key (see above).
mkdir -p seed
cat >seed/user-data <<YAML
#cloud-config
# tests/vm/push_test.sh: no bundle here; only the test's key for the image's default user.
ssh_authorized_keys:
  - $pub
YAML
printf 'instance-id: push-test-1\nlocal-hostname: fresh-vm\n' >seed/meta-data
expect 0 "a seed ISO without bundle user-data (xorriso, volume CIDATA)" xorriso -as mkisofs -quiet \
  -output seed.iso -volid CIDATA -joliet -rock seed/user-data seed/meta-data
[ -f seed.iso ] || vm_give_up "no seed ISO"

# SSH from the host: the test's key, its own known_hosts (nothing written to root's ~/.ssh).
cat >ssh_config <<CONF
# tests/vm/push_test.sh: the VM reached through qemu's forward on 127.0.0.1.
Host *
  UserKnownHostsFile $site/known_hosts
  GlobalKnownHostsFile /dev/null
  IdentityAgent none
CONF
vm=push-node-1  # its folder in WORK_DIR/vms, apart from boot_test.sh's node-1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# vm_ssh USER COMMAND [SSH_OPTIONS...]: one login with the test's key; ssh's status.
vm_ssh() {
  user=$1 command=$2
  shift 2
  ssh -F "$site/ssh_config" -p "$port" -i "$site/id_test" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o ConnectTimeout=20 -o StrictHostKeyChecking=accept-new "$@" -- "$user@127.0.0.1" "$command"
}

vm_start "$vm" 1 "$site/seed.iso" \
  -netdev "user,id=ssh0,restrict=on,ipv6=off,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:$port-:22" \
  -device "virtio-net-pci,netdev=ssh0,mac=52:54:00:b0:01:01"
d=$vm_dir/$vm
echo "# the VM's sshd forwarded from 127.0.0.1:$port"

# cloud-init done (the debian user and its key made), then the forward NIC's address.
cloud=$(vm_run "$vm" "$timeout" 'cloud-init status --wait >/dev/null; cloud-init status')
echo "# $(vm_seconds "$vm" "$(date +%s.%N)") s: cloud-init $cloud"
case $cloud in *done*) ok "cloud-init ran the minimal seed: $cloud" ;; *) not_ok "cloud-init: $cloud" ;; esac
# shellcheck disable=SC2016 # expanded in the VM
vm_run "$vm" 30 'i=$(ip -o link | awk -F": " "/52:54:00:b0:01:01/ { print \$2 }")
  ip link set "$i" up && ip addr add 10.0.2.15/24 dev "$i" && echo "forward NIC $i 10.0.2.15/24"
  echo "routes:"; ip route; echo "resolv.conf:"; cat /etc/resolv.conf 2>&1' >"$d/forward-nic.txt"
sed 's/^/#   /' "$d/forward-nic.txt"
if grep -q '^default' "$d/forward-nic.txt" || grep -q '10\.0\.2\.3' "$d/forward-nic.txt"; then
  not_ok "no default route and no DNS through the forward NIC"; else
  ok "the guest has no default route and no DNS through the forward NIC"; fi
# restrict=on, seen from the guest: slirp maps its gateway 10.0.2.2 to the host's loopback, so
# without it a connection to 10.0.2.2:PORT would reach qemu's own forward and read sshd's banner.
vm_run "$vm" 30 "curl -s --max-time 5 telnet://10.0.2.2:$port </dev/null >/tmp/restrict.out 2>&1; echo \"curl exit \$?: \$(head -c 64 /tmp/restrict.out)\"" >"$d/restrict.txt"
echo "# the guest to 10.0.2.2:$port (the host's loopback without restrict=on): $(cat "$d/restrict.txt")"
if grep -q 'SSH-' "$d/restrict.txt"; then not_ok "the guest reaches nothing through the forward NIC (restrict=on)"; else
  ok "the guest reaches nothing through the forward NIC (restrict=on)"; fi

# The baseline, before the push.
vm_ssh debian 'sudo -n true && echo sudo-ok' >before-login.txt 2>&1
has before-login.txt sudo-ok "before the push: the test's key logs in as debian, sudo -n works"
vm_ssh debian true -o PreferredAuthentications=password -o PubkeyAuthentication=no >before-password.txt 2>&1
echo "# before the push, a password login: $(tail -n 1 before-password.txt)"
has before-password.txt "password" "before the push: sshd offers password logins (the baseline)"
vm_ssh root true >before-root.txt 2>&1
echo "# before the push, root with the key: $(grep -v '^$' before-root.txt | tail -n 1)"
# cloud-init's disable_root: root has the key, behind a command that says whom to log in as.
has before-root.txt "Please login as the user" "before the push: root's key is accepted (cloud-init's disable_root message)"

# The push.
push_started=$(date +%s)
"$bundle" push --cluster site/cluster.yaml --node node-1 --ssh debian@127.0.0.1 --port "$port" \
  --identity "$site/id_test" --ssh-config "$site/ssh_config" --bundle dist/site-1.bundle >push1.out 2>push1.err
push1=$?
push_seconds=$(($(date +%s) - push_started))
echo "# the first push: exit $push1 in $push_seconds s; its last lines:"
tail -n 6 push1.err | sed 's/^/#   /'
sed 's/^/#   /' push1.out
if [ "$push1" -eq 0 ]; then ok "bundle push exited 0 ($push_seconds s)"; else not_ok "bundle push exited $push1"; sed 's/^/#   /' push1.err; fi
has push1.err "bundle node: health: done" "the push's streamed output: the health phase done"
has push1.err "bundle node: install: complete: node-1 runs site-1.bundle" "the push's streamed output: the install complete"
has push1.out "node install succeeded" "the push says the node install succeeded"

# On the VM.
vm_run "$vm" 60 'cat /var/lib/bundle/journal.log' >"$d/agent-journal.log"
vm_run "$vm" 60 '/usr/local/bin/bundle node status 2>&1' >"$d/status.txt"
# shellcheck disable=SC2016 # expanded in the VM
vm_run "$vm" 60 'nft list tables; hostname; sshd -T 2>/dev/null | grep -E "^(passwordauthentication|permitrootlogin|authenticationmethods|authorizedkeysfile) "
  echo "bundle-bootstrap $(systemctl is-enabled bundle-bootstrap.service 2>&1)"; systemctl --failed --no-legend' >"$d/system.txt"
sed 's/^/#   /' "$d/system.txt"
has "$d/agent-journal.log" " install complete: node-1 runs site-1.bundle" "on the VM: the agent's journal says the install is complete"
has "$d/status.txt" "phases:    obtain, extract, harden, mesh, k3s, addons, health" "status: every phase done"
has "$d/status.txt" "installed: version 1" "status: version 1 installed"
if grep -q -E '^(phase|error):|^check .*: no' "$d/status.txt"; then not_ok "status: healthy (no phase pending, no error, every check ok)"
  sed 's/^/#   /' "$d/status.txt"; else ok "status: healthy (no phase pending, no error, every check ok)"; fi
has "$d/system.txt" "table inet bundle_host" "on the VM: the bundle_host table is loaded"
has "$d/system.txt" "node-1" "on the VM: the push set the hostname node-1"

# sshd after the hardening, seen from the host.
vm_ssh debian true -o PreferredAuthentications=password -o PubkeyAuthentication=no >after-password.txt 2>&1
password=$?
echo "# after the push, a password login: $(tail -n 1 after-password.txt)"
if [ "$password" -ne 0 ] && grep -q 'Permission denied (publickey)' after-password.txt && ! grep -q 'password)' after-password.txt; then
  ok "after the push: sshd refuses password logins (offers publickey only)"; else not_ok "after the push: sshd refuses password logins"; fi
vm_ssh root 'echo root-in' >after-root.txt 2>&1
root_login=$?
echo "# after the push, root with the key: $(tail -n 1 after-root.txt)"
if [ "$root_login" -eq 255 ] && grep -q 'Permission denied' after-root.txt; then
  ok "after the push: sshd refuses root logins, even with root's key"; else not_ok "after the push: sshd refuses root logins (exit $root_login)"; fi
vm_ssh debian 'sudo -n true && echo sudo-ok' >after-login.txt 2>&1
has after-login.txt sudo-ok "after the push: the cluster's key (the test's) still logs in as debian, sudo -n works"

# A second push: idempotent.
"$bundle" push --cluster site/cluster.yaml --node node-1 --ssh debian@127.0.0.1 --port "$port" \
  --identity "$site/id_test" --ssh-config "$site/ssh_config" --bundle dist/site-1.bundle >push2.out 2>push2.err
push2=$?
echo "# the second push: exit $push2; $(cat push2.out)"
if [ "$push2" -eq 0 ]; then ok "a second bundle push exited 0"; else not_ok "a second bundle push exited $push2"; sed 's/^/#   /' push2.err; fi
has push2.out "bundle already there" "the second push uploaded nothing (the bundle already there)"
redone=""
for phase in obtain extract harden mesh k3s addons health; do
  grep -q "bundle node: $phase: done before" push2.err || redone="$redone $phase"
done
if [ -z "$redone" ]; then ok "the second push: every phase done before"; else not_ok "the second push: phases not done before:$redone"; fi
has push2.err "bundle node: install: complete" "the second push: the install complete again"

# The pushed node rebooted: it comes back as an installed node (its name, firewall, agent and
# K3s stand-in), the bootstrap unit not enabled (push never enables it), and runs no install.
# The name: push writes /etc/hostname, and cloud-init's update_hostname (per boot) leaves an
# /etc/hostname changed since its own previous-hostname alone (cloud-init's cc_update_hostname
# docs: "If you manually change /etc/hostname after boot cloud-init will no longer modify it"),
# else it would put back the seed's local-hostname, fresh-vm.
boot_id=$(vm_run "$vm" 30 'cat /proc/sys/kernel/random/boot_id')
vm_run "$vm" 30 'cat /var/lib/bundle/journal.log' >"$d/agent-journal-before-reboot.log"
vm_run "$vm" 30 'systemctl --no-block reboot' >/dev/null
again=""
until [ $(($(date +%s) - started)) -ge "$timeout" ]; do
  sleep 5
  again=$(vm_run "$vm" 20 'cat /proc/sys/kernel/random/boot_id') && [ -n "$again" ] && [ "$again" != "$boot_id" ] && break
done
if [ -n "$again" ] && [ "$again" != "$boot_id" ]; then ok "the pushed node rebooted"; else not_ok "the pushed node did not come back from a reboot"; fi
# shellcheck disable=SC2016 # expanded in the VM
vm_run "$vm" 300 'systemctl is-system-running --wait; echo "hostname $(hostname)"
  for u in bundle-firewall bundle-node k3s; do echo "$u $(systemctl is-active $u.service)"; done
  echo "bundle-bootstrap $(systemctl is-enabled bundle-bootstrap.service 2>&1)"; nft list tables' >"$d/after-reboot.txt"
vm_run "$vm" 30 'cat /var/lib/bundle/journal.log' >"$d/agent-journal-after-reboot.log"
sed 's/^/#   after the reboot: /' "$d/after-reboot.txt"
has "$d/after-reboot.txt" "hostname node-1" "after the reboot: the hostname is still node-1"
for unit in bundle-firewall bundle-node k3s; do has "$d/after-reboot.txt" "$unit active" "after the reboot: $unit.service is active"; done
has "$d/after-reboot.txt" "table inet bundle_host" "after the reboot: the bundle_host table is loaded"
if cmp -s "$d/agent-journal-before-reboot.log" "$d/agent-journal-after-reboot.log"; then ok "after the reboot: no install ran"; else
  not_ok "after the reboot: no install ran (the agent's journal grew)"; fi

vm_run "$vm" 120 'journalctl -o short-unix --no-pager' >"$d/journal.txt"

# No secret in what the pushes printed or the VM logged: the cluster's secrets and the test's key.
{ cat site/secrets/k3s-token; echo; cat site/secrets/wireguard/node-1.key; echo; sed -n 2p site/secrets/bundle.key
  grep -v -e '-----' id_test; } | grep -v '^$' >"$work/secrets.lst"
leaked=""
for f in push1.out push1.err push2.out push2.err "$d"/*.log "$d"/*.txt; do grep -qF -f "$work/secrets.lst" "$f" && leaked="$leaked $f"; done
rm -f "$work/secrets.lst"
if [ -z "$leaked" ]; then ok "no secret in the pushes' output, the VM's journal, serial log or agent journal"; else not_ok "a secret in$leaked"; fi

vm_stop "$vm"
evidence="push exit $push1 in ${push_seconds}s (install complete streamed), status $(grep -c '^check .*: ok' "$d/status.txt") checks ok, bundle_host loaded, password login: $(tail -n 1 after-password.txt | tr -d '\r' | sed 's/.*: //; s/\.$//'), root login refused (exit $root_login), second push exit $push2, after a reboot $(sed -n 's/^hostname //p' "$d/after-reboot.txt") with $(grep -c ' active$' "$d/after-reboot.txt")/3 units active,"
if [ "$failed" -eq 0 ]; then vm_verdict ok "$evidence"; else vm_verdict FAILED "$evidence"; fi
echo "# logs in $d and $site"
finish
