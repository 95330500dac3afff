#!/bin/sh
# K3s's air-gap install, service part: runs the bundle's install.sh (the one of the K3s release,
# pinned in the lock) with INSTALL_K3S_SKIP_DOWNLOAD=true, INSTALL_K3S_EXEC=server and
# INSTALL_K3S_SKIP_START=true. It writes the k3s.service unit, the kubectl/crictl links and the
# uninstall script, enables the unit and reloads systemd, and starts nothing: K3s reads everything
# else from /etc/rancher/k3s/config.yaml (10-config.sh). Run after 10-config.sh and 20-airgap.sh.
#
# Why not let install.sh start K3s (install.sh, service_enable_and_start): it runs a blocking
# `systemctl restart k3s` on a Type=notify unit with TimeoutStartSec=0, which never returns while
# K3s is not ready (a joining server that cannot reach its peer); and it starts K3s only when the
# binary, the unit or its environment changed while it ran ("No change detected so skipping
# service start"), but 20-airgap.sh has replaced the binary already, so an upgrade would keep the
# old one running. The node agent (re)starts K3s itself, with --no-block, and waits on /readyz.
#
# It runs only when K3s is not installed yet (no k3s.service unit) or when /usr/local/bin/k3s is
# not the binary it last installed (its SHA-256 is kept in /var/lib/bundle/k3s-installed.sha256).
# install.sh is run with every K3S_* variable removed from its environment: it copies them into
# /etc/systemd/system/k3s.service.env, and the token must stay in its 0600 file only.
#
# Environment:
#   BUNDLE_ROOT  root prefix of every file read or written (default /); install.sh itself acts
#                on the running system, so a test gives a stand-in install.sh
#   BUNDLE_DIR   the extracted bundle (required)
here=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=../harden/lib.sh
. "$here/../harden/lib.sh"

need BUNDLE_DIR
installer=$BUNDLE_DIR/k3s/install.sh
[ -f "$installer" ] || die "BUNDLE_DIR $BUNDLE_DIR has no k3s/install.sh"
binary=$root/usr/local/bin/k3s
[ -f "$binary" ] || die "/usr/local/bin/k3s is missing: run 20-airgap.sh first"
[ -f "$root/etc/rancher/k3s/config.yaml" ] || die "/etc/rancher/k3s/config.yaml is missing: run 10-config.sh first"

record=/var/lib/bundle/k3s-installed.sha256
sum=$(sha256sum "$binary" | cut -d ' ' -f 1) || die "cannot hash /usr/local/bin/k3s"
if [ -f "$root/etc/systemd/system/k3s.service" ] && [ -f "$root$record" ] &&
  [ "$(cat "$root$record")" = "$sum" ]; then
  exit 0
fi

# In a subshell: the K3S_* variables (the token among them) are removed for install.sh only.
(
  for name in $(env | sed -n 's/^\(K3S_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
  INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_EXEC=server INSTALL_K3S_SKIP_START=true
  export INSTALL_K3S_SKIP_DOWNLOAD INSTALL_K3S_EXEC INSTALL_K3S_SKIP_START
  sh "$installer" >&2
) || die "the K3s install script failed: see its messages above"
echo "changed installed k3s ($sum)"
printf '%s\n' "$sum" | write_file "$record" 644
