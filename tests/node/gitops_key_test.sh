#!/bin/sh
# The GitOps deploy key reaches Argo CD (issue 12, point 9): `bundle node install` run whole
# against a temporary root with the stand-ins of tests/node/site.sh (K3s's kubectl is a stand-in
# that keeps what `kubectl apply -f -` reads on stdin as the cluster's objects; not K3s). With
# `deploy_key: true` in cluster.yaml, the cluster gets Argo CD's repository Secret: in namespace
# argocd, labelled argocd.argoproj.io/secret-type=repository, with `type: git`, the repository's
# `url` and the exact key as `sshPrivateKey` (Argo CD's declarative repository setup, its
# operator manual's argocd-repositories.yaml), given by server-side apply on stdin. The key is in
# no argv, no log, no state and no manifest file. Without a deploy key no Secret is made, and one
# an earlier install made is deleted.
# Usage: gitops_key_test.sh BUNDLE_BINARY [REPOSITORY_ROOT]
set -u
agent=$(realpath "$1")
repo=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
test_name=node-gitops-key
# shellcheck source=tests/payload/common.sh
. "$repo/tests/payload/common.sh"
# shellcheck source=tests/node/site.sh
. "$repo/tests/node/site.sh"

# --- a cluster whose GitOps repository is read with a deploy key -----------------------------
stand_in_site || exit 1
repository=git@git.example.org:ops/cluster.git
sed -i "s#^gitops: .*#gitops: {repository: \"$repository\", revision: main, path: clusters/prod, deploy_key: true}#" site/cluster.yaml
ssh-keygen -q -t ed25519 -N '' -C 'deploy key of a test' -f site/secrets/gitops-deploy-key || exit 1
chmod 600 site/secrets/gitops-deploy-key
build_site 3 dist "build the bundle of a cluster with a deploy key"
b=$work/dist/site-3.bundle
use_stand_ins
start_peers dist

# --- with the deploy key: the Secret reaches the (stand-in) cluster ---------------------------
node_root node-1 "$root"
has "$root/etc/bundle/node.yaml" "deploy_key: |" "node.yaml carries the deploy key (the writer's side)"
expect 0 "install node-1 with a deploy key" install_node "$root" --bundle "$b"
if python3 - "$state/applied.jsonl" site/secrets/gitops-deploy-key "$repository" <<'PY'; then
import base64, json, sys
objects = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
key = open(sys.argv[2]).read()
secrets = [o for o in objects if o.get("kind") == "Secret"]
assert len(secrets) == 1, "%d Secrets applied" % len(secrets)
s = secrets[0]
assert s["apiVersion"] == "v1"
assert s["metadata"]["namespace"] == "argocd", s["metadata"]
assert s["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "repository", s["metadata"]
data = {k: base64.b64decode(v).decode() for k, v in s["data"].items()}
assert data["type"] == "git", data["type"]
assert data["url"] == sys.argv[3], data["url"]
assert data["sshPrivateKey"] == key, "the key differs from secrets/gitops-deploy-key"
assert set(data) == {"type", "url", "sshPrivateKey"}, sorted(data)
PY
  ok "the cluster got Argo CD's repository Secret: the repository URL and the exact key"
else not_ok "the repository Secret"; fi
apply=$(grep -c '^k3s kubectl apply --server-side .*-f -$' "$calls")
if [ "$apply" = 1 ]; then ok "applied once, server-side (no last-applied annotation holds the key), from stdin"; else
  not_ok "kubectl apply calls: $apply"; sed 's/^/#   /' "$calls"
fi
has "$calls" "k3s kubectl get namespace argocd" "it waits for Argo CD's namespace first"
# Each line of the key, and its base64 (what kubectl reads), must be nowhere but in node.yaml
# and the cluster: not in the output, the journal, the state, the recorded argv or a manifest.
key_b64=$(python3 -c 'import base64,sys; print(base64.b64encode(open(sys.argv[1],"rb").read()).decode())' site/secrets/gitops-deploy-key)
key_line=$(sed -n 2p site/secrets/gitops-deploy-key)
leaks=""
for file in out.txt err.txt "$calls" "$root/var/lib/bundle/journal.log" "$root/var/lib/bundle/state.json"; do
  if grep -qF -- "$key_line" "$file" || grep -qF -- "$(printf '%s' "$key_b64" | cut -c1-40)" "$file"; then leaks="$leaks $file"; fi
done
if grep -rqF -- "$key_line" "$root/var/lib/rancher" "$root/etc/rancher" "$root/var/lib/bundle"; then leaks="$leaks (a file under the root)"; fi
if [ -z "$leaks" ]; then ok "the deploy key is in no log, no argv, no state and no manifest"; else not_ok "the deploy key leaked into:$leaks"; fi
has "$root/var/lib/bundle/journal.log" "argocd/bundle-gitops-repository for $repository" "the journal names the Secret and the repository, not the key"

# --- kubectl's error quotes a piece from the middle of the key: that line is not logged --------
node_root node-1 "$work/echo"
: >"$state/apply-echoes"
expect 17 "install node-1 while kubectl's apply fails quoting its input" install_node "$work/echo" --bundle "$b"
rm -f "$state/apply-echoes"
piece=$(tail -n 1 "$state/applied.jsonl" | sed -n 's/.*"sshPrivateKey":"\([^"]*\)".*/\1/p' | cut -c 101-160)
if [ "${#piece}" -eq 60 ] && ! grep -qF -- "$piece" out.txt err.txt "$work/echo/var/lib/bundle/journal.log" "$work/echo/var/lib/bundle/state.json"; then
  ok "a kubectl line quoting the middle of the key's base64 is not logged"
else not_ok "the middle of the key's base64 reached a log (piece: ${#piece} characters)"; fi
has "$work/echo/var/lib/bundle/journal.log" "shows the deploy key, not logged" "the journal says a line was held back"

# --- without a deploy key: no Secret, and an old one is removed -------------------------------
node_root node-1 "$work/nokey"
python3 - "$work/nokey/etc/bundle/node.yaml" <<'PY' || exit 1
import sys
lines = open(sys.argv[1]).read().split("\n")
out, skipping = [], False
for line in lines:
    if line.startswith("  deploy_key:"):
        skipping = True
        continue
    if skipping and line.startswith("    "):
        continue
    skipping = False
    out.append(line)
open(sys.argv[1], "w").write("\n".join(out))
PY
if grep -q deploy_key "$work/nokey/etc/bundle/node.yaml"; then not_ok "the deploy key is still in the edited node.yaml"; fi
rm -f "$state/applied.jsonl"
mark
expect 0 "install node-1 without a deploy key" install_node "$work/nokey" --bundle "$b"
new_calls
if [ ! -e "$state/applied.jsonl" ] && ! grep -q 'kubectl apply' new_calls.txt; then ok "without a deploy key no Secret is made"; else
  not_ok "a Secret was applied without a deploy key"
fi
has new_calls.txt "k3s kubectl delete secret bundle-gitops-repository -n argocd --ignore-not-found" \
  "a Secret an earlier install made is deleted"

finish
