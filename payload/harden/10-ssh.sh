#!/bin/sh
# SSH hardening: public keys only, no root login, and only the cluster's keys.
#
# Writes the sshd drop-in /etc/ssh/sshd_config.d/50-bundle.conf (sshd keeps the first value it
# reads for a keyword and Debian's and Ubuntu's sshd_config include the drop-ins first, in name
# order, so it wins over the sshd_config below it and over cloud-init's 50-cloud-init.conf) and the
# admin user's keys in /etc/ssh/bundle_authorized_keys/USER, a root-owned file that the drop-in
# makes sshd's only AuthorizedKeysFile: keys added to ~/.ssh/authorized_keys are ignored, and a
# user without a file there cannot log in at all. When the drop-in changed, the whole sshd
# configuration is checked with `sshd -t` (when sshd is in PATH); a configuration that fails gets
# the old drop-in back, and one that passes is applied with a reload of ssh.service.
#
# Environment:
#   SSH_AUTHORIZED_KEYS  the cluster's public keys, one per line (required)
#   SSH_USER             the admin user (default: debian or ubuntu, after ID in /etc/os-release)
#   BUNDLE_ROOT          root prefix of every file written (default /)
here=$(dirname "$0")
# shellcheck source=lib.sh
. "$here/lib.sh"

need SSH_AUTHORIZED_KEYS

user=${SSH_USER:-}
if [ -z "$user" ]; then
  id=$(os_id)
  case $id in
    debian | ubuntu) user=$id ;;
    *) die "SSH_USER is not set and /etc/os-release names neither Debian nor Ubuntu (ID='$id')" ;;
  esac
fi
case $user in
  root) die "SSH_USER cannot be root: root login is turned off" ;;
  '' | -* | *[!a-z0-9_.-]*) die "SSH_USER '$user' is not a valid user name" ;;
esac
grep -q "^$user:" "$root/etc/passwd" 2>/dev/null || die "SSH_USER $user has no entry in /etc/passwd"

# One key a line; blank lines and comments dropped. A line must name a key type, so that a
# mangled variable cannot leave the admin without a usable key.
keys=$(printf '%s\n' "$SSH_AUTHORIZED_KEYS" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' -e '/^#/d')
[ -n "$keys" ] || die "SSH_AUTHORIZED_KEYS holds no key: refusing to lock the admin out"
printf '%s\n' "$keys" | while IFS= read -r line; do
  case " $line" in
    *" ssh-"* | *" ecdsa-sha2-"* | *" sk-"*) ;;
    *) die "SSH_AUTHORIZED_KEYS has a line that is not a public key: '$(printf '%.40s' "$line")...'" ;;
  esac
done

keys_dir=/etc/ssh/bundle_authorized_keys
{
  echo "# The cluster's SSH keys for $user, written by bundle (payload/harden/10-ssh.sh)."
  printf '%s\n' "$keys"
} | write_file "$keys_dir/$user" 644

drop_in=/etc/ssh/sshd_config.d/50-bundle.conf
main_config=$root/etc/ssh/sshd_config
if [ -f "$main_config" ] && ! grep -Eq '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$main_config"; then
  die "/etc/ssh/sshd_config does not include /etc/ssh/sshd_config.d/*.conf: the drop-in would have no effect"
fi

# Kept to put back should the new configuration fail sshd's check.
backup=""
if [ -f "$root$drop_in" ] && [ ! -L "$root$drop_in" ]; then
  backup=$(mktemp) || die "cannot create a temporary file"
  cp "$root$drop_in" "$backup"
fi
cleanup_backup() { if [ -n "$backup" ]; then rm -f "$backup"; fi; }

write_file "$drop_in" 644 <<CONF
# Written by bundle (payload/harden/10-ssh.sh); edits are overwritten.
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
PubkeyAuthentication yes
AuthenticationMethods publickey
AuthorizedKeysFile $keys_dir/%u
MaxAuthTries 3
X11Forwarding no
CONF

if [ "$changed" = no ]; then
  cleanup_backup
  exit 0
fi

if command -v sshd >/dev/null 2>&1 && [ -f "$main_config" ]; then
  if ! sshd -t -f "$main_config"; then
    if [ -n "$backup" ]; then
      mv -fT "$backup" "$root$drop_in"
      backup=""
      echo "changed $drop_in (restored)"
    else
      rm -f "$root$drop_in"
      echo "changed $drop_in (removed)"
    fi
    die "sshd -t rejects the configuration with $drop_in; the previous drop-in is back, sshd was not reloaded"
  fi
fi
cleanup_backup

# Reloads a running sshd; one that is not running (socket activation) reads the files when it starts.
systemctl try-reload-or-restart ssh.service || die "systemctl try-reload-or-restart ssh.service failed"
