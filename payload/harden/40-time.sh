#!/bin/sh
# Time synchronisation: etcd, TLS and WireGuard's handshakes all need a right clock.
#
# Turns on network time through timedatectl (systemd-timesyncd on stock Debian 12 and Ubuntu 24.04
# images, or chrony where that is the installed provider) unless it is on already. With NTP_SERVERS
# it also writes /etc/systemd/timesyncd.conf.d/50-bundle.conf and restarts systemd-timesyncd when
# that file changed.
#
# Environment:
#   NTP_SERVERS  NTP servers, space-separated (optional; default: the distribution's)
#   BUNDLE_ROOT  root prefix of every file written (default /)
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"

command -v timedatectl >/dev/null 2>&1 || die "timedatectl is not installed: cannot turn on time synchronisation"

if [ -n "${NTP_SERVERS:-}" ]; then
  case $NTP_SERVERS in
    *[!A-Za-z0-9.:\ -]*) die "NTP_SERVERS '$NTP_SERVERS' holds something that is not a host name or address" ;;
  esac
  write_file /etc/systemd/timesyncd.conf.d/50-bundle.conf 644 <<CONF
# Written by bundle (payload/harden/40-time.sh); edits are overwritten.
[Time]
NTP=$NTP_SERVERS
CONF
  if [ "$changed" = yes ]; then
    systemctl try-restart systemd-timesyncd.service || die "systemctl try-restart systemd-timesyncd.service failed"
  fi
fi

if [ "$(timedatectl show --property=NTP --value 2>/dev/null)" != yes ]; then
  timedatectl set-ntp true || die "timedatectl set-ntp true failed: is systemd-timesyncd (or chrony) installed?"
  echo "changed turned on network time (timedatectl set-ntp true)"
fi
