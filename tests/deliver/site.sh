# The cluster and bundle that the delivery tests (image_test.sh, push_test.sh) start from, sourced
# by them after tests/cli/harness.sh, in their work folder: `bundle init` makes site/ and its
# secrets, site/cluster.yaml names three nodes (node-1 with an `ssh:` target, SSH_TARGET), and
# `bundle build --cluster` makes dist/site-3.bundle. Its node agent, bin/bundle, is a STAND-IN
# (img/stand-in-agent, a shell script), not the real agent: it records how it was called in
# $STAND_IN_DIR/agent.args, the argv of every process then running in $STAND_IN_DIR/ps.txt,
# prints a line on stdout and one on stderr, and exits with the status in
# $STAND_IN_DIR/agent.status (0 when there is none).
# Usage: make_site BUNDLE SSH_TARGET
# shellcheck shell=sh

make_site() {
  site_bundle=$1
  "$site_bundle" init --dir site >/dev/null || return 1
  cat >site/cluster.yaml <<YAML
apiVersion: bundle/v1
kind: Cluster
name: prod
nodes:
  - {name: node-1, public_ipv4: 203.0.113.10, mesh_ipv4: 10.6.0.1, ssh: $2}
  - {name: node-2, public_ipv4: 203.0.113.11, mesh_ipv4: 10.6.0.2}
  - {name: node-3, public_ipv4: 203.0.113.12, mesh_ipv4: 10.6.0.3}
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop
bundle_sources:
  - https://releases.example.org/bundles/{file}
YAML
  mkdir -p img/payload
  cat >img/stand-in-agent <<'SH'
#!/bin/sh
# A stand-in for the node agent (bin/bundle), not the real one: see tests/deliver/site.sh.
printf '%s\n' "$*" >>"${STAND_IN_DIR:?}/agent.args"
ps -eo args >>"$STAND_IN_DIR/ps.txt" 2>/dev/null || true
echo "stand-in agent: node install running"
echo "stand-in agent: a line on stderr" >&2
status=0
if [ -f "$STAND_IN_DIR/agent.status" ]; then status=$(cat "$STAND_IN_DIR/agent.status"); fi
exit "$status"
SH
  echo "payload" >img/payload/readme.txt
  cat >img/site.yaml <<'YAML'
apiVersion: bundle/v1
kind: Image
name: site
version: 3
arch: amd64
artifacts:
  - name: node-agent
    path: stand-in-agent
    dest: bin/bundle
    mode: "0755"
payload: payload/
YAML
  SOURCE_DATE_EPOCH=1700000000 "$site_bundle" build --image img/site.yaml --cluster site/cluster.yaml --out dist \
    --quiet >/dev/null
}

# secrets_of NODE: every secret value that NODE's user-data carries, one a line (for leak checks)
secrets_of() {
  cat site/secrets/k3s-token
  echo
  cat "site/secrets/wireguard/$1.key"
  echo
  sed -n 2p site/secrets/bundle.key
}

# leaks FILE...: the secrets of node-1 found in FILE... (nothing when clean)
leaks() {
  secrets_of node-1 | grep -v '^$' >secrets.lst
  for f in "$@"; do
    [ -f "$f" ] && grep -qF -f secrets.lst "$f" && echo "$f"
  done
  rm -f secrets.lst
}
