#!/bin/sh
# The Debian 12 machine the VM tests boot (issue 13): a debootstrapped minbase root with what a
# stock cloud image has that the node agent needs (systemd, udev, cloud-init, the cloud kernel,
# networkd, nftables, sshd, curl) and a few test-side additions, as a raw ext4 disk plus the
# kernel and initrd to pass to qemu with -kernel/-initrd (no boot loader). Built once and kept in
# WORK_DIR/image-<key>/, where <key> is a hash of this file (the recipe) and the mirror: change the
# recipe and a new image is built; the old ones can be deleted by hand.
#
# What the image is told, beyond the packages:
#   - cloud-init looks for NoCloud (the seed ISO `bundle image` writes) and nothing else, and
#     leaves the network alone: the addresses come from the files below, not from the seed.
#   - "public" addresses: one systemd-networkd file per test MAC, 52:54:00:b0:00:0N gets
#     203.0.113.(9+N)/24 (documentation addresses; node-1 203.0.113.10 as in tests/node/site.sh).
#   - observable without SSH: kernel and journal on the first serial port (ttyS0), a root login
#     on the virtio console hvc0, and a command channel on the virtio-serial port
#     org.bundle.cmd (vm-cmd.service; tests/vm/lib.sh speaks to it).
#   - an empty /etc/machine-id and no SSH host keys, so that every VM makes its own at first boot.
#   - etcd-server and etcd-client are installed for the K3s stand-in of the next step, with
#     Debian's etcd.service disabled (the stand-in starts its own).
# The apt source is this machine's (the first enabled bookworm `deb` source, one-line or deb822),
# or BUNDLE_DEBIAN_MIRROR=URL. Needs root (debootstrap, chroot); exits 77 without it.
# Prints the image folder on stdout (disk.raw, vmlinuz, initrd.img), progress on stderr.
# Usage: image.sh WORK_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
work=$(cd "$1" && pwd)
suite=bookworm
# systemd-timesyncd: stock cloud images run a time sync daemon and the hardening turns NTP on
# (without one, harden's 40-time.sh fails; seen in the first boot). python3-cffi-backend is
# named because debootstrap's resolver ignores virtual packages:
# python3-cryptography (cloud-init -> python3-oauthlib) depends on python3-cffi-backend-api-min,
# which only python3-cffi-backend provides, and without it cloud-init stays unconfigured.
packages=systemd-sysv,systemd-timesyncd,udev,cloud-init,python3-cffi-backend,linux-image-cloud-amd64,initramfs-tools,nftables,openssh-server,curl,iproute2,dbus,locales,sudo,etcd-server,etcd-client
disk_size=3G
say() { echo "vm image: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  say "needs root (debootstrap, chroot)"
  exit 77
fi

# apt_source: the URI of the first enabled `deb` source for $suite, one-line or deb822 format.
apt_source() {
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    case $f in *.sources) format=deb822 ;; *) format=line ;; esac
    awk -v suite="$suite" -v format="$format" '
      function has(list, word,   n, i, w) { n = split(list, w); for (i = 1; i <= n; i++) if (w[i] == word) return 1; return 0 }
      function flush() {
        if (has(types, "deb") && has(suites, suite) && tolower(enabled) != "no") { split(uris, u); print u[1] }
        types = uris = suites = enabled = ""
      }
      format == "line" {
        sub(/#.*/, ""); gsub(/\[[^]]*\]/, "")
        if ($1 == "deb" && $3 == suite) print $2
        next
      }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      {
        field = tolower($0); sub(/:.*/, "", field); value = $0; sub(/^[^:]*:/, "", value)
        if (field == "types") types = value
        else if (field == "uris") uris = value
        else if (field == "suites") suites = value
        else if (field == "enabled") { enabled = value; gsub(/[ \t]/, "", enabled) }
      }
      END { if (format == "deb822") flush() }' "$f"
  done | grep -E '^(https?|ftp|file):' | head -n 1
}
mirror=${BUNDLE_DEBIAN_MIRROR:-$(apt_source)}
[ -n "$mirror" ] || { say "no apt source for $suite: set BUNDLE_DEBIAN_MIRROR=URL"; exit 1; }

key=$({ cat "$0" "$here/guest/vm-cmd"; echo "$mirror"; } | sha256sum | cut -c1-12)
image=$work/image-$key
if [ -f "$image/.complete" ]; then
  echo "$image"
  exit 0
fi

# configure ROOT: the test-side files of the image (see the header).
configure() {
  r=$1
  mkdir -p "$r/etc/cloud/cloud.cfg.d" "$r/etc/systemd/network" "$r/etc/systemd/journald.conf.d" \
    "$r/etc/systemd/system/serial-getty@hvc0.service.d" "$r/etc/systemd/system/multi-user.target.wants" \
    "$r/usr/local/sbin"
  cat >"$r/etc/cloud/cloud.cfg.d/90-bundle-vm.cfg" <<'YAML'
# VM tests (tests/vm/image.sh): the seed ISO only, and the network from the image's own files.
datasource_list: [NoCloud, None]
network: {config: disabled}
YAML
  for n in 1 2 3 4 5 6; do
    cat >"$r/etc/systemd/network/10-public-$n.network" <<NET
# VM tests (tests/vm/image.sh): the "public" address of the VM with this MAC.
[Match]
MACAddress=52:54:00:b0:00:0$n

[Network]
Address=203.0.113.$((9 + n))/24
NET
  done
  cat >"$r/etc/systemd/journald.conf.d/90-bundle-vm.conf" <<'CONF'
# VM tests (tests/vm/image.sh): the journal on the serial console, so a run can be read without SSH.
[Journal]
ForwardToConsole=yes
TTYPath=/dev/ttyS0
MaxLevelConsole=info
CONF
  cat >"$r/etc/systemd/system/serial-getty@hvc0.service.d/autologin.conf" <<'CONF'
# VM tests (tests/vm/image.sh): a root shell on the virtio console, for a person debugging a run.
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud %I 115200,38400,9600 $TERM
CONF
  cp "$here/guest/vm-cmd" "$r/usr/local/sbin/vm-cmd"
  chmod 0755 "$r/usr/local/sbin/vm-cmd"
  cat >"$r/etc/systemd/system/vm-cmd.service" <<'UNIT'
# VM tests (tests/vm/image.sh): runs the commands the host sends on the virtio-serial port
# org.bundle.cmd (tests/vm/lib.sh, vm_run).
# Started by udev when the port appears (90-bundle-vm.rules), and by multi-user.target in case
# udev's SYSTEMD_WANTS was missed (seen once in seven boots: the port there, the service never
# started). Started before the port exists, vm-cmd fails to open it and is restarted a second
# later until it can (a condition on the device's path would skip the unit for the whole boot).
[Unit]
Description=VM test command channel
DefaultDependencies=no
After=local-fs.target
StartLimitIntervalSec=0

[Service]
ExecStart=/usr/local/sbin/vm-cmd /dev/virtio-ports/org.bundle.cmd
Restart=always
RestartSec=1
UNIT
  mkdir -p "$r/etc/udev/rules.d" "$r/etc/systemd/system/getty.target.wants"
  # hvc0 may appear after systemd's getty generator ran: ask for its getty by name.
  ln -sf /lib/systemd/system/serial-getty@.service "$r/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service"
  cat >"$r/etc/udev/rules.d/90-bundle-vm.rules" <<'RULES'
# VM tests (tests/vm/image.sh): the command channel's service starts when its port appears.
ACTION=="add", SUBSYSTEM=="virtio-ports", ATTR{name}=="org.bundle.cmd", TAG+="systemd", ENV{SYSTEMD_WANTS}+="vm-cmd.service"
RULES
  ln -sf /lib/systemd/system/systemd-networkd.service "$r/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  ln -sf /etc/systemd/system/vm-cmd.service "$r/etc/systemd/system/multi-user.target.wants/vm-cmd.service"
  rm -f "$r/etc/systemd/system/multi-user.target.wants/etcd.service"
  printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' >"$r/etc/fstab"
  echo debian-vm >"$r/etc/hostname"
  : >"$r/etc/machine-id"
  rm -f "$r/var/lib/dbus/machine-id" "$r"/etc/ssh/ssh_host_*
  # The root has no password; logins are the console's autologin (and cloud-init's users).
  chroot "$r" passwd -d root >/dev/null
  echo "en_US.UTF-8 UTF-8" >"$r/etc/locale.gen"
  chroot "$r" locale-gen >/dev/null
  rm -rf "$r/var/cache/apt/archives"/*.deb "$r/var/lib/apt/lists"/*_Packages
}

started=$(date +%s)
exec 9>"$work/.image.lock"
flock 9
if [ ! -f "$image/.complete" ]; then
  rm -rf "$image.partial"
  mkdir -p "$image.partial"
  root=$image.partial/root
  say "debootstrap $suite minbase + $packages from $mirror (log: $image.partial/debootstrap.log)"
  # In a mount namespace of its own, so that the mounts it makes end with it.
  # The downloaded packages are kept in WORK_DIR/debs for the next recipe.
  mkdir -p "$work/debs"
  if ! unshare --mount --propagation private debootstrap --variant=minbase --include="$packages" \
    --cache-dir="$work/debs" \
    "$suite" "$root" "$mirror" >"$image.partial/debootstrap.log" 2>&1; then
    tail -n 20 "$image.partial/debootstrap.log" >&2
    say "debootstrap failed"
    exit 1
  fi
  say "debootstrap took $(($(date +%s) - started)) s"
  configure "$root"
  cp "$root"/boot/vmlinuz-* "$image.partial/vmlinuz"
  cp "$root"/boot/initrd.img-* "$image.partial/initrd.img"
  # /dev is a devtmpfs at boot: the image needs none of the nodes debootstrap made.
  find "$root/dev" -mindepth 1 -delete
  truncate -s "$disk_size" "$image.partial/disk.raw"
  mkfs.ext4 -q -L bundle-vm -d "$root" "$image.partial/disk.raw"
  rm -rf "$root"
  touch "$image.partial/.complete"
  rm -rf "$image"
  mv "$image.partial" "$image"
  say "built $image in $(($(date +%s) - started)) s"
fi
echo "$image"
