#!/bin/sh
# K3s's air-gap install, file part: puts the bundle's K3s binary, images and charts where K3s
# looks for them, so that nothing is downloaded.
#
#   k3s/k3s                                   -> /usr/local/bin/k3s (0755)
#   k3s/images/*.tar.zst, images/*.oci.tar    -> /var/lib/rancher/k3s/agent/images/ (0644; K3s
#                                                imports them at every start)
#   charts/*.tgz                              -> /var/lib/rancher/k3s/server/static/charts/ (0644;
#                                                served as https://%{KUBERNETES_API}%/static/charts/)
#
# A file is copied only when its content or mode differs (cmp first, so an unchanged multi-GB
# archive is only read, never copied), through a temporary file in the same directory and a rename.
#
# Environment:
#   BUNDLE_ROOT  root prefix of every file written (default /)
#   BUNDLE_DIR   the extracted bundle (required; an absolute path, not under BUNDLE_ROOT)
here=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=../harden/lib.sh
. "$here/../harden/lib.sh"

need BUNDLE_DIR
[ -d "$BUNDLE_DIR" ] || die "BUNDLE_DIR $BUNDLE_DIR is not a directory"
[ -f "$BUNDLE_DIR/k3s/k3s" ] || die "BUNDLE_DIR $BUNDLE_DIR has no k3s/k3s"

# install_file SOURCE PATH MODE: PATH (under the root) holds SOURCE's bytes with mode MODE.
install_file() {
  target=$root$2
  if [ -f "$target" ] && [ ! -L "$target" ] && [ "$(stat -c %a "$target")" = "$3" ] &&
    cmp -s "$1" "$target"; then
    return 0
  fi
  write_file "$2" "$3" <"$1"
}

install_file "$BUNDLE_DIR/k3s/k3s" /usr/local/bin/k3s 755
images=/var/lib/rancher/k3s/agent/images
found=no
for file in "$BUNDLE_DIR"/k3s/images/*.tar.zst "$BUNDLE_DIR"/images/*.oci.tar; do
  [ -f "$file" ] || continue
  found=yes
  install_file "$file" "$images/${file##*/}" 644
done
[ "$found" = yes ] || warn "the bundle has no images (k3s/images/*.tar.zst, images/*.oci.tar)"
for file in "$BUNDLE_DIR"/charts/*.tgz; do
  [ -f "$file" ] || continue
  install_file "$file" "/var/lib/rancher/k3s/server/static/charts/${file##*/}" 644
done
