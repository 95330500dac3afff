# Shared by the hardening scripts (sourced, never run): the root prefix, the checks of the
# environment, and the one way they write a file.
#
# Contract of every script that sources this file:
#   - its inputs come only from environment variables (the node agent sets them from
#     /etc/bundle/node.yaml); a missing or malformed one stops it with a message naming it;
#   - every file it writes is under BUNDLE_ROOT (default /);
#   - it writes a file only when the content or the mode differs, through a temporary file in the
#     same directory that is then renamed over the old one (a symlink there is replaced, never
#     followed), and prints "changed PATH" for it; a second run therefore prints nothing;
#   - it runs outside commands (systemctl, sysctl, nft, sshd, timedatectl...) by their plain
#     names, so a test can put recording stand-ins first in PATH;
#   - on failure it exits non-zero with a message "SCRIPT: what went wrong" on stderr.
# shellcheck shell=sh

set -eu
umask 022

script=${0##*/}

die() {
  echo "$script: $*" >&2
  exit 1
}

warn() {
  echo "$script: warning: $*" >&2
}

# The root prefix, without a trailing slash: "" for /.
root=${BUNDLE_ROOT:-/}
case $root in
  /*) ;;
  *) die "BUNDLE_ROOT must be an absolute path, not '$root'" ;;
esac
while [ "${root%/}" != "$root" ]; do root=${root%/}; done
if [ -n "$root" ] && [ ! -d "$root" ]; then
  die "BUNDLE_ROOT $root is not a directory"
fi

# need NAME...: every named variable is set and not empty.
need() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    # shellcheck disable=SC2154 # set by the eval above
    [ -n "$value" ] || die "$name is not set (the node agent sets it from /etc/bundle/node.yaml)"
  done
}

# port NAME: the variable NAME holds a port number (1-65535).
need_port() {
  need "$1"
  eval "value=\$$1"
  case $value in
    '' | *[!0-9]* | 0*) die "$1 must be a port number, not '$value'" ;;
  esac
  [ "$value" -le 65535 ] || die "$1 must be a port number, not '$value'"
}

# os_id: the ID of /etc/os-release under the root ("debian", "ubuntu"...), or nothing.
os_id() {
  for file in "$root/etc/os-release" "$root/usr/lib/os-release"; do
    if [ -f "$file" ]; then
      sed -n 's/^ID=//p' "$file" | tr -d "\"'" | head -n 1
      return 0
    fi
  done
}

# private_dir PATH: the directory PATH (absolute, under the root) exists with mode 0700 (prints
# "changed PATH" when it made it). A symbolic link at PATH is refused, never followed.
private_dir() {
  target=$root$1
  [ ! -L "$target" ] || die "$1 is a symbolic link; refusing to follow it"
  if [ ! -d "$target" ]; then
    mkdir -p "$target" || die "cannot create $1"
    echo "changed $1"
  fi
  chmod 700 "$target" || die "cannot make $1 private"
}

# Set by write_file: "yes" when it wrote the file, "no" when the file was already as wanted.
changed=no
pending=""
trap 'if [ -n "$pending" ]; then rm -f "$pending"; fi' EXIT

# write_file PATH MODE [CHECK...]: makes the file PATH (absolute, under the root) hold standard
# input with mode MODE (octal, as `stat -c %a` prints it: 644, 600). When it must be written and
# a CHECK command is given, the command is run with the temporary file's name appended, and a
# failure leaves the old file in place.
# shellcheck disable=SC2034 # `changed` is read by the scripts that source this file
write_file() {
  path=$1 mode=$2
  shift 2
  target=$root$path
  dir=${target%/*}
  [ -n "$dir" ] || dir=/
  mkdir -p "$dir" || die "cannot create the directory ${path%/*}"
  if [ -d "$target" ] && [ ! -L "$target" ]; then
    die "$path is a directory, not a file"
  fi
  pending=$(mktemp "$dir/.${path##*/}.XXXXXX") || die "cannot create a temporary file in ${path%/*}"
  cat >"$pending" || die "cannot write a temporary file in ${path%/*}"
  chmod "$mode" "$pending"
  if [ -f "$target" ] && [ ! -L "$target" ] && [ "$(stat -c %a "$target")" = "$mode" ] &&
    cmp -s "$pending" "$target"; then
    rm -f "$pending"
    pending=""
    changed=no
    return 0
  fi
  if [ $# -gt 0 ] && ! "$@" "$pending"; then
    die "$path: the new content fails the check '$*'; the old file is left as it was"
  fi
  sync "$pending" 2>/dev/null || true
  # -T: a symlink or anything else at the target is replaced, never followed.
  mv -fT "$pending" "$target" || die "cannot rename the new $path into place"
  pending=""
  sync "$dir" 2>/dev/null || true
  changed=yes
  echo "changed $path"
}
