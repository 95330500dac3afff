#!/bin/sh
# End-to-end checks of a cluster's secrets and user-data: `bundle init`, `bundle build --cluster`,
# `bundle cloud-init`, cloud-init's own schema check on what they write, and the bootstrap script
# run for real against nginx on loopback. The node agent inside the test bundle is a stand-in (a
# shell script that records how it was called), not the real agent.
# Usage: user_data_cli_test.sh path/to/bundle
set -u
bundle=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bundle-user-data-XXXXXX")
nginx_url=""  # set by start_nginx
cleanup() {
  stop_servers
  chmod -R u+w "$work"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
# shellcheck disable=SC1091 # checked on their own
. "$here/harness.sh"
# shellcheck disable=SC1091
. "$here/servers.sh"

mode_of() { stat -c %a "$1"; }
# user_data_file DOC PATH OUT: the content of DOC's write_files entry for PATH
user_data_file() {
  python3 -c 'import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
entry = [f for f in doc["write_files"] if f["path"] == sys.argv[2]][0]
open(sys.argv[3], "w").write(entry["content"])' "$1" "$2" "$3"
}

# --- bundle init -----------------------------------------------------------------------------
expect 0 "init writes the example cluster.yaml and every secret" "$bundle" init --dir site
has out.txt "created site/secrets/wireguard/node-3.key" "init names what it created"
if [ "$(mode_of site/secrets)" = 700 ] && [ "$(mode_of site/secrets/k3s-token)" = 600 ] &&
  [ "$(mode_of site/secrets/wireguard/node-1.key)" = 600 ] && [ "$(mode_of site/secrets/bundle.pub)" = 600 ]; then
  ok "secrets folder is 0700 and its files 0600"
else not_ok "secrets modes: $(stat -c '%n %a' site/secrets site/secrets/* site/secrets/wireguard/*)"; fi
sha256sum site/secrets/k3s-token site/secrets/wireguard/* site/secrets/bundle.key >before.sum
expect 0 "init again" "$bundle" init --dir site
has out.txt "kept    site/secrets/k3s-token (exists)" "init again keeps what exists"
if sha256sum -c --quiet before.sum; then ok "no secret changed"; else not_ok "a secret changed"; fi
expect 2 "--add-node before there is a cluster.yaml" "$bundle" init --dir elsewhere --add-node node-1
stderr_has "run \`bundle init\` first" "it says to run init first"
expect 2 "--add-node of a node not in cluster.yaml" "$bundle" init --dir site --add-node node-9
stderr_has "add it to \`nodes:\` first" "--add-node says what to do"

# --- the cluster, the image, an origin for the bundle ----------------------------------------
mkdir -p www img/payload
start_nginx "$work/nginx" "$work/www"
cat >site/cluster.yaml <<YAML
apiVersion: bundle/v1
kind: Cluster
name: prod
nodes:
  - {name: node-1, public_ipv4: 203.0.113.10, mesh_ipv4: 10.6.0.1}
  - {name: node-2, public_ipv4: 203.0.113.11, mesh_ipv4: 10.6.0.2}
  - {name: node-3, public_ipv4: 203.0.113.12, mesh_ipv4: 10.6.0.3}
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop
bundle_sources:
  - $nginx_url/{file}
YAML
cat >img/stand-in-agent <<'SH'
#!/bin/sh
# A stand-in for the node agent (bin/bundle), not the real one: it records how it was called.
echo "$@" >"$STAND_IN_RECORD"
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

# --- build --cluster --------------------------------------------------------------------------
export SOURCE_DATE_EPOCH=1700000000
mv site/secrets/k3s-token token.saved
expect 3 "build --cluster with a missing secret fails" "$bundle" build --image img/site.yaml --cluster site/cluster.yaml --out dist --quiet
stderr_has "k3s-token" "the error names the missing file"
stderr_has "bundle init" "the error says how to create it"
if [ ! -e dist/site-3.bundle ]; then ok "nothing was built"; else not_ok "a bundle was built without the secrets"; fi
mv token.saved site/secrets/k3s-token
expect 2 "build with neither --key nor --cluster" "$bundle" build --image img/site.yaml --out nokey --quiet
stderr_has "give --key (a signing key) or --cluster" "it names both ways to sign"
sed '/^artifacts:/,/^payload:/{/^payload:/!d}' img/site.yaml >img/noagent.yaml
expect 3 "build --cluster of an image without the node agent" "$bundle" build --image img/noagent.yaml --cluster site/cluster.yaml --out noagent --quiet
stderr_has "has no artifact with dest bin/bundle" "it names the missing member"
if [ ! -e noagent/site-3.bundle ]; then ok "nothing was built without the agent"; else not_ok "a bundle without the agent was built"; fi

expect 0 "build --cluster" "$bundle" build --image img/site.yaml --cluster site/cluster.yaml --out dist --quiet
has out.txt "wrote dist/cloud-init/node-2.yaml" "build names each node's user-data"
if [ "$(mode_of dist/cloud-init)" = 700 ] && [ "$(mode_of dist/cloud-init/node-1.yaml)" = 600 ]; then
  ok "user-data folder 0700, files 0600"
else not_ok "user-data modes: $(stat -c '%n %a' dist/cloud-init dist/cloud-init/*)"; fi
for node in node-1 node-2 node-3; do
  size=$(wc -c <dist/cloud-init/$node.yaml)
  if [ "$size" -le 16384 ]; then ok "$node's user-data is $size bytes (at most 16384)"; else not_ok "$node's user-data is $size bytes"; fi
  if cloud-init schema --config-file dist/cloud-init/$node.yaml >schema.txt 2>&1; then
    ok "cloud-init schema accepts $node's user-data"
  else not_ok "cloud-init schema on $node"; sed 's/^/#   /' schema.txt; fi
done
expect 0 "cloud-init prints one node's user-data" "$bundle" cloud-init --cluster site/cluster.yaml --node node-2 --bundle dist/site-3.bundle
if cmp -s out.txt dist/cloud-init/node-2.yaml; then ok "it is the one build wrote"; else not_ok "cloud-init and build differ"; fi
expect 2 "cloud-init for an unknown node" "$bundle" cloud-init --cluster site/cluster.yaml --node node-7 --bundle dist/site-3.bundle
stderr_has "nodes: node-1, node-2, node-3" "it lists the nodes"
cp dist/site-3.bundle renamed.bundle
expect 3 "cloud-init refuses a renamed bundle" "$bundle" cloud-init --cluster site/cluster.yaml --node node-1 --bundle renamed.bundle
stderr_has "nodes will fetch it (site-3.bundle" "it says which name the nodes fetch"
mkdir -p img/payload/keys
sed 's#^bundle_sources:#secrets: ../img/payload/keys/secrets\nbundle_sources:#' site/cluster.yaml >site/inside.yaml
cp -r site/secrets img/payload/keys/secrets
expect 3 "build refuses a cluster whose secrets lie inside the payload" "$bundle" build --image img/site.yaml --cluster site/inside.yaml --out inside --quiet
stderr_has "into the bundle, which is public" "it says why"
if [ ! -e inside/site-3.bundle ]; then ok "no bundle with the secrets was written"; else not_ok "a bundle holding the secrets was written"; fi
rm -rf img/payload/keys
"$bundle" keygen --out otherkey >/dev/null
expect 0 "a bundle signed by another key" "$bundle" build --image img/site.yaml --key otherkey/bundle.key --out other --quiet
expect 10 "cloud-init refuses a bundle the cluster did not sign" "$bundle" cloud-init --cluster site/cluster.yaml --node node-1 --bundle other/site-3.bundle

# --- no secret where it must not be -----------------------------------------------------------
leaks=""
for secret in site/secrets/k3s-token site/secrets/wireguard/*.key; do
  value=$(cat "$secret")
  grep -qF -- "$value" dist/site-3.bundle && leaks="$leaks $secret(bundle)"
  for node in node-1 node-2 node-3; do
    case $secret in
      site/secrets/k3s-token | */$node.key) ;;
      *) grep -qF -- "$value" dist/cloud-init/$node.yaml && leaks="$leaks $secret($node)" ;;
    esac
  done
done
sed -n 2p site/secrets/bundle.key >keyline
grep -qF -f keyline dist/site-3.bundle dist/cloud-init/*.yaml && leaks="$leaks bundle.key"
if [ -z "$leaks" ]; then ok "no secret in the bundle, no node's key in another's user-data"; else not_ok "leaked:$leaks"; fi

# --- the bootstrap script, run for real -------------------------------------------------------
cp dist/site-3.bundle www/
user_data_file dist/cloud-init/node-1.yaml /usr/local/lib/bundle/bootstrap.sh bootstrap.sh
user_data_file dist/cloud-init/node-1.yaml /etc/bundle/bootstrap.env bootstrap.env
# No mesh on this machine: the peers are left out, the sources (nginx) remain.
sed -e "s/^PEERS=.*/PEERS=''/" -e "s#^NODE_CONFIG=.*#NODE_CONFIG='$work/node.yaml'#" bootstrap.env >env.test
export BUNDLE_BOOTSTRAP_ENV="$work/env.test" BUNDLE_BOOTSTRAP_ATTEMPTS=2 BUNDLE_BOOTSTRAP_PAUSE=0
export STAND_IN_RECORD="$work/agent.args"
expect 0 "bootstrap fetches the bundle from its source and starts the agent" env BUNDLE_STATE_DIR="$work/state" sh bootstrap.sh
has err.txt "bundle fetched from $nginx_url/site-3.bundle" "bootstrap says where the bundle came from"
has agent.args "node install --bundle $work/state/incoming/site-3.bundle --config $work/node.yaml" "the agent ran with the bundle and the node config"
if cmp -s state/incoming/site-3.bundle dist/site-3.bundle; then ok "the fetched bundle is the built one"; else not_ok "fetched bundle differs"; fi

rm -f agent.args
printf 'x' | dd of=www/site-3.bundle bs=1 seek=2000 conv=notrunc 2>/dev/null
expect 1 "bootstrap refuses a bundle with another digest" env BUNDLE_STATE_DIR="$work/state2" sh bootstrap.sh
stderr_has "does not have the expected SHA-256" "it says the digest is wrong"
if [ ! -e agent.args ] && [ ! -e state2/incoming/site-3.bundle ]; then ok "nothing ran and nothing was kept"; else not_ok "a tampered bundle was used"; fi

cp dist/site-3.bundle www/
sed "s/^AGENT_SHA256=.*/AGENT_SHA256='$(printf '%064d' 0)'/" env.test >env.badagent
expect 1 "bootstrap refuses an agent with another digest" env BUNDLE_BOOTSTRAP_ENV="$work/env.badagent" BUNDLE_STATE_DIR="$work/state3" sh bootstrap.sh
stderr_has "refusing to run it" "it says why"
if [ ! -e agent.args ]; then ok "the agent did not run"; else not_ok "the agent ran"; fi

finish
