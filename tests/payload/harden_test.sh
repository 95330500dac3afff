#!/bin/sh
# Checks of the node-hardening scripts (payload/harden/*.sh), each run against a temporary root
# (BUNDLE_ROOT) with stand-ins for the commands they run: what they write, with which modes,
# which commands they call, that a second run changes nothing and calls nothing that reloads or
# restarts, and that a missing variable stops them with a message naming it.
# Usage: harden_test.sh REPOSITORY_ROOT
set -u
repo=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
harden=$repo/payload/harden
test_name=harden
# shellcheck source=common.sh
. "$repo/tests/payload/common.sh"
mkdir -p "$root/etc/ssh"
cat >"$root/etc/os-release" <<'OS'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_CODENAME=bookworm
OS
printf 'root:x:0:0:root:/root:/bin/bash\ndebian:x:1000:1000:Debian:/home/debian:/bin/bash\n' >"$root/etc/passwd"
printf 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n' >"$root/etc/ssh/sshd_config"

# Stand-ins, not the real commands: each appends "NAME ARGS" to the calls log. systemctl,
# timedatectl and nft keep the little state the scripts ask about (enabled units, NTP on, table
# loaded) in $state; sshd exits with $SSHD_STATUS and nft -c with $NFT_CHECK_STATUS.
cat >"$bin/standin" <<'SH'
#!/bin/sh
name=${0##*/}
echo "$name $*" >>"$CALLS"
case $name in
  systemctl)
    case $1 in
      is-enabled) [ -e "$STATE/enabled-$3" ] ;;
      enable) touch "$STATE/enabled-$3" ;;
    esac
    ;;
  timedatectl)
    case $1 in
      show) if [ -e "$STATE/ntp" ]; then echo yes; else echo no; fi ;;
      set-ntp) touch "$STATE/ntp" ;;
    esac
    ;;
  nft)
    case $1 in
      list) [ -e "$STATE/nft-loaded" ] ;;
      -c) exit "${NFT_CHECK_STATUS:-0}" ;;
      -f) touch "$STATE/nft-loaded" ;;
    esac
    ;;
  sshd) exit "${SSHD_STATUS:-0}" ;;
esac
SH
chmod +x "$bin/standin"
for name in systemctl sysctl nft sshd chown timedatectl; do ln -s standin "$bin/$name"; done
PATH=$bin:$PATH
CALLS=$calls STATE=$state BUNDLE_ROOT=$root
export PATH CALLS STATE BUNDLE_ROOT


# called TEXT NAME / not_called PATTERN NAME: on the calls since the last mark
called() { new_calls; has new_calls.txt "$1" "$2"; }
not_called() {
  new_calls
  if grep -Eq -- "$1" new_calls.txt; then not_ok "$2"; sed 's/^/#   /' new_calls.txt; else ok "$2"; fi
}

# again SCRIPT NAME [VAR=VALUE...]: a second run prints nothing and reloads nothing
again() {
  # not `name`: harness.sh's expect sets that one
  script=$1 label=$2
  shift 2
  mark
  expect 0 "$label: second run" env "$@" sh "$harden/$script"
  if [ -s out.txt ]; then not_ok "$label: second run reports no change"; sed 's/^/#   /' out.txt; else
    ok "$label: second run reports no change"
  fi
  not_called 'reload|restart| enable |set-ntp|--system| -f ' "$label: second run reloads, restarts, enables, loads nothing"
}

key1='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop'
key2='ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= bob@desk'
keys=$(printf '%s\n\n%s\n' "$key1" "$key2")

# --- 10-ssh.sh -------------------------------------------------------------------------------
dropin=/etc/ssh/sshd_config.d/50-bundle.conf
keyfile=/etc/ssh/bundle_authorized_keys/debian
expect 1 "ssh: without SSH_AUTHORIZED_KEYS" sh "$harden/10-ssh.sh"
stderr_has "SSH_AUTHORIZED_KEYS is not set" "ssh: the missing variable is named"
expect 1 "ssh: a line that is not a key" env SSH_AUTHORIZED_KEYS="password123" sh "$harden/10-ssh.sh"
stderr_has "not a public key" "ssh: the bad line is reported"
expect 1 "ssh: SSH_USER root" env SSH_AUTHORIZED_KEYS="$keys" SSH_USER=root sh "$harden/10-ssh.sh"
stderr_has "cannot be root" "ssh: root is refused as the admin"
expect 1 "ssh: an unknown SSH_USER" env SSH_AUTHORIZED_KEYS="$keys" SSH_USER=mallory sh "$harden/10-ssh.sh"
stderr_has "SSH_USER mallory has no entry in /etc/passwd" "ssh: the unknown user is named"
if [ ! -e "$root$dropin" ]; then ok "ssh: a failed run writes no drop-in"; else not_ok "ssh: a failed run wrote $dropin"; fi

# The drop-in's place holds a symlink to a file outside: it must be replaced, not followed.
mkdir -p "$root/etc/ssh/sshd_config.d"
echo "outside" >"$work/outside"
ln -s "$work/outside" "$root$dropin"
mark
expect 0 "ssh: first run (user from os-release)" env SSH_AUTHORIZED_KEYS="$keys" sh "$harden/10-ssh.sh"
has out.txt "changed $dropin" "ssh: reports the drop-in"
has out.txt "changed $keyfile" "ssh: reports the keys file"
file_is "$dropin" 644 "ssh: drop-in is a regular file, 0644"
if [ "$(cat "$work/outside")" = outside ]; then ok "ssh: the symlink was replaced, not followed"; else
  not_ok "ssh: the symlink's target was written"
fi
file_is "$keyfile" 644 "ssh: keys file is a regular file, 0644"
for line in "PasswordAuthentication no" "KbdInteractiveAuthentication no" "PermitRootLogin no" \
  "AuthenticationMethods publickey" "AuthorizedKeysFile /etc/ssh/bundle_authorized_keys/%u"; do
  has "$root$dropin" "$line" "ssh: drop-in has $line"
done
has "$root$keyfile" "$key1" "ssh: keys file has the first key"
has "$root$keyfile" "$key2" "ssh: keys file has the second key"
if grep -q '^$' "$root$keyfile"; then not_ok "ssh: blank lines dropped"; else ok "ssh: blank lines dropped"; fi
called "sshd -t -f $root/etc/ssh/sshd_config" "ssh: the configuration is checked with sshd -t"
called "systemctl try-reload-or-restart ssh.service" "ssh: sshd is reloaded"
again 10-ssh.sh ssh SSH_AUTHORIZED_KEYS="$keys"

# A new key changes the keys file only: sshd reads it on each login, no reload.
mark
expect 0 "ssh: a key removed" env SSH_AUTHORIZED_KEYS="$key1" sh "$harden/10-ssh.sh"
has out.txt "changed $keyfile" "ssh: the keys file is rewritten"
if grep -qF "$key2" "$root$keyfile"; then not_ok "ssh: the removed key is gone"; else ok "ssh: the removed key is gone"; fi
not_called reload "ssh: no reload for a keys change"

# sshd -t rejects the configuration: the previous drop-in is put back and sshd is not reloaded.
echo "# an older drop-in" >"$root$dropin"
mark
expect 1 "ssh: sshd -t fails" env SSH_AUTHORIZED_KEYS="$key1" SSHD_STATUS=1 sh "$harden/10-ssh.sh"
stderr_has "sshd -t rejects" "ssh: the failed check is reported"
if [ "$(cat "$root$dropin")" = "# an older drop-in" ]; then ok "ssh: the previous drop-in is back"; else
  not_ok "ssh: the previous drop-in is not back"
fi
not_called reload "ssh: no reload after a failed check"
expect 0 "ssh: run again with SSH_USER" env SSH_AUTHORIZED_KEYS="$key1" SSH_USER=debian sh "$harden/10-ssh.sh"

# --- 20-firewall.sh --------------------------------------------------------------------------
fw() { env WG_PORT=51820 PEER_PUBLIC_IPS="203.0.113.11 203.0.113.12 2001:db8::12" MESH_IFACE=wg-mesh AGENT_PORT=7443 "$@"; }
ruleset=/etc/nftables.d/bundle.nft
unit=/etc/systemd/system/bundle-firewall.service
expect 1 "firewall: without WG_PORT" env PEER_PUBLIC_IPS=203.0.113.11 MESH_IFACE=wg-mesh AGENT_PORT=7443 sh "$harden/20-firewall.sh"
stderr_has "WG_PORT is not set" "firewall: the missing variable is named"
for var in MESH_IFACE AGENT_PORT; do
  expect 1 "firewall: without $var" fw "$var=" sh "$harden/20-firewall.sh"
  stderr_has "$var is not set" "firewall: $var is named"
done
# PEER_PUBLIC_IPS is empty on a one-node cluster (tests/payload/firewall_netns_test.sh loads that
# ruleset), but it must be set.
expect 1 "firewall: without PEER_PUBLIC_IPS" fw env -u PEER_PUBLIC_IPS sh "$harden/20-firewall.sh"
stderr_has "PEER_PUBLIC_IPS is not set" "firewall: PEER_PUBLIC_IPS is named"
expect 1 "a relative BUNDLE_ROOT" env BUNDLE_ROOT=root sh "$harden/30-sysctl.sh"
stderr_has "BUNDLE_ROOT must be an absolute path" "the relative BUNDLE_ROOT is refused"
expect 1 "firewall: a peer that is no address" fw PEER_PUBLIC_IPS="203.0.113.11 evil;drop" sh "$harden/20-firewall.sh"
stderr_has "PEER_PUBLIC_IPS holds 'evil;drop'" "firewall: the bad peer is named"
expect 1 "firewall: a bad AGENT_PORT" fw AGENT_PORT=70000 sh "$harden/20-firewall.sh"
stderr_has "AGENT_PORT must be a port number" "firewall: the bad port is named"
expect 1 "firewall: nft -c rejects the ruleset" fw NFT_CHECK_STATUS=1 sh "$harden/20-firewall.sh"
if [ ! -e "$root$ruleset" ]; then ok "firewall: a rejected ruleset is not put in place"; else not_ok "firewall: a rejected ruleset was written"; fi
mark
expect 0 "firewall: first run" fw sh "$harden/20-firewall.sh"
has out.txt "changed $ruleset" "firewall: reports the ruleset"
has out.txt "changed $unit" "firewall: reports the unit"
file_is "$ruleset" 600 "firewall: ruleset is a regular file, 0600"
file_is "$unit" 644 "firewall: unit is a regular file, 0644"
r=$root$ruleset
has "$r" "delete table inet bundle_host" "firewall: the load replaces our table"
if grep -q '^[^#]*flush ruleset' "$r"; then not_ok "firewall: never flushes the whole ruleset"; else ok "firewall: never flushes the whole ruleset"; fi
has "$r" "hook input priority filter; policy drop;" "firewall: input policy drop"
has "$r" "hook forward priority filter; policy accept;" "firewall: forward left to Cilium"
has "$r" "elements = { 203.0.113.11, 203.0.113.12 }" "firewall: IPv4 peers"
has "$r" "elements = { 2001:db8::12 }" "firewall: IPv6 peers"
has "$r" "ip saddr @wg_peers4 udp dport 51820 accept" "firewall: WireGuard from the peers only"
has "$r" "tcp dport { 22, 80, 443 } accept" "firewall: SSH and HTTP(S) from anywhere"
has "$r" 'iifname "wg-mesh" tcp dport { 6443, 2379-2380, 10250, 7443, 4240, 4244 } accept' "firewall: cluster ports on the mesh"
has "$r" 'iifname "wg-mesh" udp dport 8472 accept' "firewall: VXLAN on the mesh"
has "$r" 'iifname "lxc*" jump from_pods' "firewall: pods get their own chain"
has "$r" 'tcp dport { 6443, 10250, 4244, 80, 443 } accept' "firewall: what pods may reach of the host"
if grep -Eq 'iifname "lxc\*" accept|iifname \{ "cilium_host", "cilium_net", "cilium_vxlan" \} accept' "$r"; then
  not_ok "firewall: pods are not let in wholesale"
else ok "firewall: pods are not let in wholesale"; fi
has "$r" 'ip saddr 10.42.0.0/16 oifname "wg-mesh" tcp dport { 2379-2380, 7443 } drop' "firewall: pods kept from the peers' etcd and agent"
has "$r" "ip daddr 169.254.169.254 meta skuid != 0 drop" "firewall: metadata closed to non-root processes"
has "$r" "ip saddr 10.42.0.0/16 ip daddr 169.254.169.254 drop" "firewall: metadata closed to pods"
has "$root$unit" "ExecStart=/usr/sbin/nft -f $ruleset" "firewall: the unit loads the ruleset"
called "nft -c -f $root/etc/nftables.d/.bundle.nft." "firewall: the new ruleset is checked by nft -c first"
called "systemctl daemon-reload" "firewall: systemd is told of the unit"
called "systemctl enable --quiet bundle-firewall.service" "firewall: the unit is enabled"
called "nft -f $root$ruleset" "firewall: the ruleset is loaded"
again 20-firewall.sh firewall WG_PORT=51820 PEER_PUBLIC_IPS="203.0.113.11 203.0.113.12 2001:db8::12" MESH_IFACE=wg-mesh AGENT_PORT=7443
rm -f "$state/nft-loaded"
mark
expect 0 "firewall: table missing from the kernel" fw sh "$harden/20-firewall.sh"
called "nft -f $root$ruleset" "firewall: a missing table is loaded again"
if [ -x /usr/sbin/nft ] || [ -x /sbin/nft ]; then
  real_nft=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin command -v nft)
  if "$real_nft" -c -f "$r" >nft.txt 2>&1; then ok "firewall: the real nft accepts the ruleset (nft -c)"; else
    not_ok "firewall: the real nft rejects the ruleset"
    sed 's/^/#   /' nft.txt
  fi
  # Loaded for real in a network namespace of its own (when this user may make one): twice, and
  # beside another table, which must survive (Cilium's tables stand for it).
  if unshare -n true 2>/dev/null; then
    # shellcheck disable=SC2016 # expanded by the inner shell
    if unshare -n sh -c '"$1" -f "$2" && "$1" add table ip other && "$1" -f "$2" && "$1" -f "$2" &&
        "$1" list table ip other >/dev/null && "$1" list table inet bundle_host' sh "$real_nft" "$r" >nft.txt 2>&1 &&
      grep -q 'policy drop' nft.txt; then
      ok "firewall: loads again and again in a network namespace, other tables kept"
    else
      not_ok "firewall: loading the ruleset in a network namespace"
      sed 's/^/#   /' nft.txt
    fi
  else
    echo "# unshare -n not permitted: loading the ruleset in a network namespace is skipped"
  fi
else
  echo "# nft not installed: the ruleset's checks with the real nft are skipped"
fi

# --- 30-sysctl.sh ----------------------------------------------------------------------------
conf=/etc/sysctl.d/90-bundle.conf
mark
expect 0 "sysctl: first run" sh "$harden/30-sysctl.sh"
has out.txt "changed $conf" "sysctl: reports the file"
file_is "$conf" 644 "sysctl: file is 0644"
for line in "vm.panic_on_oom = 0" "vm.overcommit_memory = 1" "kernel.panic = 10" "kernel.panic_on_oops = 1" \
  "kernel.keys.root_maxbytes = 25000000" "net.ipv4.ip_forward = 1" "kernel.unprivileged_bpf_disabled = 1" \
  "net.ipv4.conf.all.send_redirects = 0" "net.ipv4.tcp_syncookies = 1"; do
  has "$root$conf" "$line" "sysctl: $line"
done
if grep -q '^[^#]*rp_filter' "$root$conf"; then not_ok "sysctl: rp_filter left to Cilium"; else ok "sysctl: rp_filter left to Cilium"; fi
called "sysctl --system" "sysctl: applied"
again 30-sysctl.sh sysctl

# --- 40-time.sh ------------------------------------------------------------------------------
mark
expect 0 "time: first run" sh "$harden/40-time.sh"
has out.txt "changed turned on network time" "time: reports turning NTP on"
called "timedatectl set-ntp true" "time: timedatectl set-ntp true"
again 40-time.sh time
expect 1 "time: bad NTP_SERVERS" env NTP_SERVERS='pool.ntp.org;reboot' sh "$harden/40-time.sh"
stderr_has "NTP_SERVERS" "time: the bad variable is named"
mark
expect 0 "time: with NTP_SERVERS" env NTP_SERVERS="0.pool.ntp.org 1.pool.ntp.org" sh "$harden/40-time.sh"
file_is /etc/systemd/timesyncd.conf.d/50-bundle.conf 644 "time: timesyncd drop-in is 0644"
has "$root/etc/systemd/timesyncd.conf.d/50-bundle.conf" "NTP=0.pool.ntp.org 1.pool.ntp.org" "time: servers written"
called "systemctl try-restart systemd-timesyncd.service" "time: timesyncd restarted"
again 40-time.sh "time with servers" NTP_SERVERS="0.pool.ntp.org 1.pool.ntp.org"

# --- 50-upgrades.sh --------------------------------------------------------------------------
mark
expect 0 "upgrades: first run" sh "$harden/50-upgrades.sh"
stderr_has "unattended-upgrades package is not installed" "upgrades: a missing package is a warning"
file_is /etc/apt/apt.conf.d/20auto-upgrades 644 "upgrades: 20auto-upgrades is 0644"
file_is /etc/apt/apt.conf.d/52bundle-unattended-upgrades 644 "upgrades: 52bundle-unattended-upgrades is 0644"
u=$root/etc/apt/apt.conf.d/52bundle-unattended-upgrades
has "$root/etc/apt/apt.conf.d/20auto-upgrades" 'APT::Periodic::Unattended-Upgrade "1";' "upgrades: daily runs on"
has "$u" "#clear Unattended-Upgrade::Origins-Pattern;" "upgrades: the distribution's origins are cleared"
has "$u" 'label=Debian-Security' "upgrades: Debian security"
# shellcheck disable=SC2016 # the literal text of the file
has "$u" '"origin=Ubuntu,archive=${distro_codename}-security";' "upgrades: Ubuntu security"
has "$u" 'Unattended-Upgrade::Automatic-Reboot "false";' "upgrades: no automatic reboot"
if grep -Eq '"origin=Debian,codename=\$\{distro_codename\},label=Debian";|-updates' "$u"; then
  not_ok "upgrades: security origins only"
else ok "upgrades: security origins only"; fi
again 50-upgrades.sh upgrades

# --- 60-journald.sh --------------------------------------------------------------------------
j=/etc/systemd/journald.conf.d/50-bundle.conf
expect 1 "journald: a bad JOURNAL_MAX_USE" env JOURNAL_MAX_USE=lots sh "$harden/60-journald.sh"
stderr_has "JOURNAL_MAX_USE 'lots'" "journald: the bad variable is named"
mark
expect 0 "journald: first run" sh "$harden/60-journald.sh"
has out.txt "changed $j" "journald: reports the file"
file_is "$j" 644 "journald: file is 0644"
has "$root$j" "SystemMaxUse=500M" "journald: SystemMaxUse=500M"
called "systemctl restart systemd-journald.service" "journald: restarted"
again 60-journald.sh journald
mark
expect 0 "journald: another size" env JOURNAL_MAX_USE=1G sh "$harden/60-journald.sh"
has "$root$j" "SystemMaxUse=1G" "journald: the new size is written"
called "systemctl restart systemd-journald.service" "journald: restarted for the new size"

# --- no stray temporary files ----------------------------------------------------------------
stray=$(find "$root" -name '.*.??????' -type f)
if [ -z "$stray" ]; then ok "no temporary file left behind"; else not_ok "temporary files left: $stray"; fi

finish
