#!/bin/sh
# Kernel settings: what the kubelet's --protect-kernel-defaults (K3s's CIS hardening guide)
# requires to be set already, plus kernel and network hardening that leaves Cilium working.
#
# Writes /etc/sysctl.d/90-bundle.conf and applies it with `sysctl --system` when it changed.
# Left alone on purpose: rp_filter (Cilium needs it off on its own interfaces, and a value on
# `all` would override theirs), IP forwarding stays on (pods and the mesh need it), and the BPF
# JIT settings Cilium relies on.
#
# Environment:
#   BUNDLE_ROOT  root prefix of every file written (default /)
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"

write_file /etc/sysctl.d/90-bundle.conf 644 <<'CONF'
# Written by bundle (payload/harden/30-sysctl.sh); edits are overwritten.

# Checked by the kubelet under --protect-kernel-defaults (it refuses to start otherwise).
vm.panic_on_oom = 0
vm.overcommit_memory = 1
kernel.panic = 10
kernel.panic_on_oops = 1
kernel.keys.root_maxkeys = 1000000
kernel.keys.root_maxbytes = 25000000

# Pods, Services and the mesh are routed by this host.
net.ipv4.ip_forward = 1

# Kernel hardening.
kernel.kptr_restrict = 1
kernel.dmesg_restrict = 1
kernel.unprivileged_bpf_disabled = 1
kernel.yama.ptrace_scope = 1
fs.protected_hardlinks = 1
fs.protected_symlinks = 1
fs.suid_dumpable = 0

# Network hardening (rp_filter deliberately not set: see 30-sysctl.sh).
net.ipv4.tcp_syncookies = 1
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv4.conf.all.secure_redirects = 0
net.ipv4.conf.default.secure_redirects = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.default.accept_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv6.conf.all.accept_source_route = 0
net.ipv6.conf.default.accept_source_route = 0
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.icmp_ignore_bogus_error_responses = 1
CONF

if [ "$changed" = yes ]; then
  sysctl --system >/dev/null || die "sysctl --system failed: see its messages above"
fi
