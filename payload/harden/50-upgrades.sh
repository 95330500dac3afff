#!/bin/sh
# Unattended upgrades: security updates only, installed daily, never an automatic reboot (a node
# of the cluster is restarted by its operator, one at a time).
#
# Writes /etc/apt/apt.conf.d/20auto-upgrades (the daily runs) and
# /etc/apt/apt.conf.d/52bundle-unattended-upgrades, read after the distribution's
# 50unattended-upgrades: it clears that file's origin lists (Debian's also takes point-release
# updates) and names the security archives of Debian and Ubuntu only. A missing
# unattended-upgrades package is reported as a warning: the files take effect once it is installed.
#
# Environment:
#   BUNDLE_ROOT  root prefix of every file written (default /)
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"

write_file /etc/apt/apt.conf.d/20auto-upgrades 644 <<'CONF'
// Written by bundle (payload/harden/50-upgrades.sh); edits are overwritten.
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
APT::Periodic::AutocleanInterval "7";
CONF

write_file /etc/apt/apt.conf.d/52bundle-unattended-upgrades 644 <<'CONF'
// Written by bundle (payload/harden/50-upgrades.sh); edits are overwritten.
// Security updates only: the lists of 50unattended-upgrades are cleared first.
#clear Unattended-Upgrade::Allowed-Origins;
#clear Unattended-Upgrade::Origins-Pattern;
Unattended-Upgrade::Origins-Pattern {
  "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
  "origin=Debian,codename=${distro_codename},label=Debian-Security";
  "origin=Ubuntu,archive=${distro_codename}-security";
  "origin=UbuntuESMApps,archive=${distro_codename}-apps-security";
  "origin=UbuntuESM,archive=${distro_codename}-infra-security";
};
Unattended-Upgrade::Automatic-Reboot "false";
Unattended-Upgrade::Remove-Unused-Kernel-Packages "true";
Unattended-Upgrade::Remove-Unused-Dependencies "false";
CONF

if [ ! -x "$root/usr/bin/unattended-upgrade" ]; then
  warn "the unattended-upgrades package is not installed: security updates are not applied automatically"
fi
