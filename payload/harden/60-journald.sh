#!/bin/sh
# journald limits: a persistent journal that cannot fill the disk.
#
# Writes /etc/systemd/journald.conf.d/50-bundle.conf and restarts systemd-journald when it changed.
#
# Environment:
#   JOURNAL_MAX_USE  the journal's share of the disk (default 500M; a number with K, M or G)
#   BUNDLE_ROOT      root prefix of every file written (default /)
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"

max_use=${JOURNAL_MAX_USE:-500M}
case $max_use in
  *[!0-9KMG]* | [!0-9]* | *[KMG]?*) die "JOURNAL_MAX_USE '$max_use' is not a size such as 500M" ;;
esac

write_file /etc/systemd/journald.conf.d/50-bundle.conf 644 <<CONF
# Written by bundle (payload/harden/60-journald.sh); edits are overwritten.
[Journal]
Storage=persistent
SystemMaxUse=$max_use
SystemKeepFree=1G
RuntimeMaxUse=100M
MaxRetentionSec=1month
CONF

if [ "$changed" = yes ]; then
  systemctl restart systemd-journald.service || die "systemctl restart systemd-journald.service failed"
fi
