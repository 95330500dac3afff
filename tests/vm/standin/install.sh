#!/bin/sh
# A STAND-IN for K3s's install.sh inside the VM tests, not the real one: records its call in
# /var/log/k3s-stand-in.log and does what the real one does with INSTALL_K3S_SKIP_DOWNLOAD=true
# as far as the node agent sees it: writes k3s.service (Type=notify, TimeoutStartSec=0, as
# upstream's), enables it, reloads systemd, and unless INSTALL_K3S_SKIP_START=true restarts it.
echo "install.sh $*" >>/var/log/k3s-stand-in.log
cat >/etc/systemd/system/k3s.service <<'UNIT'
# Written by the STAND-IN for K3s's install.sh (tests/vm/standin/install.sh).
[Unit]
Description=K3s stand-in (tests/vm), not K3s
Wants=network-online.target
After=network-online.target

[Service]
Type=notify
NotifyAccess=all
TimeoutStartSec=0
ExecStart=/usr/local/bin/k3s server

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable k3s.service
[ "${INSTALL_K3S_SKIP_START:-}" = true ] || systemctl restart k3s.service
