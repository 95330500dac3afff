#!/bin/sh
# bundle bootstrap: the first thing a freshly installed node runs, as the systemd unit
# bundle-bootstrap.service that the user-data installs and starts (follow it with
# `journalctl -u bundle-bootstrap -f`). The unit is restarted when this script fails and runs
# again at boot, so a node whose peers and sources were all out of reach, or that was rebooted
# mid-install, keeps trying; once `bundle node install` has completed, the agent disables the
# unit (an installed node runs no install at boot) and its own bundle-node.service serves peers.
#
# It gets the cluster's bundle, from the first place that has it:
#   1. a seed volume labelled CIDATA (`bundle image`: a fully offline install),
#   2. a peer over the WireGuard mesh (`bundle node serve` on every member: a reinstall needs no
#      internet),
#   3. the bundle sources of cluster.yaml (a release asset, object storage).
# Whatever the place, the file must have the SHA-256 that the user-data carries. It then takes
# the node agent out of the bundle, runs it only if its SHA-256 is the one the user-data carries,
# and hands over to `bundle node install`, which checks the bundle's signature and every byte
# of it before it uses anything else.
#
# Its settings come from /etc/bundle/bootstrap.env, written by the user-data. POSIX shell only:
# it runs before anything is installed.
set -eu

env_file=${BUNDLE_BOOTSTRAP_ENV:-/etc/bundle/bootstrap.env}
# shellcheck source=/dev/null
. "$env_file"
: "${BUNDLE_FILE:?} ${BUNDLE_SHA256:?} ${AGENT_SHA256:?} ${AGENT_PORT:?} ${NODE_CONFIG:?}"
PEERS=${PEERS:-}
SOURCES=${SOURCES:-}
# The lists are split into words below, never expanded as file name patterns.
set -f

state=${BUNDLE_STATE_DIR:-/var/lib/bundle}
incoming="$state/incoming"
bundle="$incoming/$BUNDLE_FILE"
agent="$state/agent/bundle"

log() {
  echo "bundle-bootstrap: $*" >&2
}

sha256_of() {
  sha256sum "$1" | cut -d ' ' -f 1
}

# True when $1 is the expected bundle; a wrong file is removed so that it is never used.
check_bundle() {
  [ -f "$1" ] || return 1
  if [ "$(sha256_of "$1")" = "$BUNDLE_SHA256" ]; then
    return 0
  fi
  log "$1 does not have the expected SHA-256; discarding it"
  rm -f "$1"
  return 1
}

# download URL TRIES: fetches URL into $bundle.part, resuming a partial file, then checks it and
# renames it into place. A transfer that stalls for a minute is given up. A partial file that
# cannot be resumed (the server ignores ranges) is removed, so the next attempt starts afresh.
download() {
  status=0
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --globoff --proto '=http,https' \
      --connect-timeout 10 --speed-limit 1024 --speed-time 60 --retry "$2" \
      --continue-at - --output "$bundle.part" "$1" || status=$?
  else
    wget --quiet --tries="$2" --timeout=60 --continue --output-document="$bundle.part" "$1" || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    # curl 33 / wget 8: the server refused the range; 22: an HTTP error, the part is not the file.
    case $status in 33 | 22 | 8) rm -f "$bundle.part" ;; esac
    return 1
  fi
  check_bundle "$bundle.part" || return 1
  mv "$bundle.part" "$bundle"
}

from_seed() {
  for device in /dev/disk/by-label/CIDATA /dev/disk/by-label/cidata; do
    [ -b "$device" ] || continue
    mountpoint=$(mktemp -d)
    if mount -o ro "$device" "$mountpoint" 2>/dev/null; then
      if check_bundle "$mountpoint/$BUNDLE_FILE" 2>/dev/null; then
        cp "$mountpoint/$BUNDLE_FILE" "$bundle.part" && mv "$bundle.part" "$bundle"
      fi
      umount "$mountpoint" || true
    fi
    rmdir "$mountpoint" || true
    if [ -f "$bundle" ]; then
      log "bundle found on the seed volume $device"
      return 0
    fi
  done
  return 1
}

from_peers() {
  [ -n "$PEERS" ] || return 1
  # The mesh's networkd files came with the user-data: networkd must run to bring them up.
  systemctl enable --now systemd-networkd >/dev/null 2>&1 || true
  networkctl reload >/dev/null 2>&1 || systemctl restart systemd-networkd || true
  for peer in $PEERS; do
    # One try each: a peer that is not up yet should not hold up the others.
    if download "http://$peer:$AGENT_PORT/bundle/$BUNDLE_FILE" 0; then
      log "bundle fetched from peer $peer over the mesh"
      return 0
    fi
    log "peer $peer did not serve the bundle"
  done
  return 1
}

from_sources() {
  for url in $SOURCES; do
    if download "$url" 3; then
      log "bundle fetched from $url"
      return 0
    fi
    log "could not fetch $url"
  done
  return 1
}

obtain() {
  check_bundle "$bundle" 2>/dev/null && return 0
  from_seed || from_peers || from_sources
}

mkdir -p "$incoming" "$state/agent"
chmod 0700 "$state"

# Peers may still be installing and sources may be down for a while: keep trying for half an hour.
attempts=${BUNDLE_BOOTSTRAP_ATTEMPTS:-60}
pause=${BUNDLE_BOOTSTRAP_PAUSE:-30}
attempt=1
until obtain; do
  if [ "$attempt" -ge "$attempts" ]; then
    log "no copy of $BUNDLE_FILE found after $attempt attempts (seed volume, peers: ${PEERS:-none}, sources); giving up"
    exit 1
  fi
  log "no copy of $BUNDLE_FILE yet (attempt $attempt of $attempts); retrying in $pause s"
  attempt=$((attempt + 1))
  sleep "$pause"
done

# The node agent is a member of the bundle, which is a plain tar file.
if ! tar --occurrence=1 -x -O -f "$bundle" bin/bundle >"$agent.part"; then
  rm -f "$agent.part"
  log "cannot take bin/bundle out of $bundle"
  exit 1
fi
if [ "$(sha256_of "$agent.part")" != "$AGENT_SHA256" ]; then
  rm -f "$agent.part"
  log "the node agent in $BUNDLE_FILE does not have the expected SHA-256; refusing to run it"
  exit 1
fi
chmod 0755 "$agent.part"
mv "$agent.part" "$agent"

log "starting the node agent"
exec "$agent" node install --bundle "$bundle" --config "$NODE_CONFIG"
