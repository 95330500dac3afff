#!/bin/sh
# Checks of the K3s scripts (payload/k3s/*.sh), each run against a temporary root (BUNDLE_ROOT)
# with a stand-in extracted bundle (BUNDLE_DIR) and stand-ins for the commands they run: every
# file where K3s expects it, with its mode; config.yaml for the founding node and for a joining
# one; the token in no file but its own and in no output; the manifests identical on two nodes;
# a second run that changes and installs nothing; a missing variable named.
# Usage: k3s_test.sh REPOSITORY_ROOT
set -u
repo=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
k3s=$repo/payload/k3s
test_name=k3s
# shellcheck source=common.sh
. "$repo/tests/payload/common.sh"
bundle=$work/bundle
mkdir -p "$bundle/k3s/images" "$bundle/images" "$bundle/charts" "$bundle/manifests/argocd" \
  "$bundle/payload/cilium"

# The stand-in bundle: stand-in files named like the real ones, and the real Cilium values.
printf 'stand-in k3s binary 1\n' >"$bundle/k3s/k3s"
chmod 755 "$bundle/k3s/k3s"
printf 'stand-in air-gap images\n' >"$bundle/k3s/images/k3s-airgap-images-amd64.tar.zst"
printf 'stand-in cilium images\n' >"$bundle/images/cilium.oci.tar"
printf 'stand-in argocd images\n' >"$bundle/images/argocd.oci.tar"
printf 'stand-in chart\n' >"$bundle/charts/cilium-1.18.14.tgz"
cp "$repo/payload/cilium/values.yaml" "$bundle/payload/cilium/values.yaml"
cat >"$bundle/manifests/argocd/install.yaml" <<'YAML'
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.argoproj.io
spec:
  group: argoproj.io
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/name: argocd-server
  name: argocd-server
spec:
  replicas: 1
YAML
# A stand-in install.sh, not K3s's: records its call and its K3S_*/INSTALL_K3S_* environment, and
# writes the unit the real one writes.
cat >"$bundle/k3s/install.sh" <<'SH'
#!/bin/sh
echo "install.sh $*" >>"$CALLS"
env | grep -E '^(K3S_|INSTALL_K3S_)' | sort | sed 's/^/install.sh env /' >>"$CALLS"
mkdir -p "$BUNDLE_ROOT/etc/systemd/system"
echo "[Service]" >"$BUNDLE_ROOT/etc/systemd/system/k3s.service"
SH

# Stand-ins, not the real commands: each appends "NAME ARGS" to the calls log. systemctl says
# k3s.service is active when $STATE/k3s-active exists. As systemd does for K3s's Type=notify unit
# with TimeoutStartSec=0 (K3s's install.sh, create_systemd_service_file), `systemctl start` or
# `restart` without --no-block does not return while $STATE/k3s-never-ready exists (K3s never
# says READY=1).
cat >"$bin/standin" <<'SH'
#!/bin/sh
name=${0##*/}
echo "$name $*" >>"$CALLS"
case $name in
  systemctl)
    case $1 in
      is-active) [ -e "$STATE/k3s-active" ] ;;
      start | restart)
        case " $* " in *" --no-block "*) exit 0 ;; esac
        while [ -e "$STATE/k3s-never-ready" ]; do sleep 0.1; done ;;
    esac
    ;;
esac
SH
chmod +x "$bin/standin"
for name in systemctl k3s; do ln -s standin "$bin/$name"; done
PATH=$bin:$PATH
CALLS=$calls STATE=$state BUNDLE_ROOT=$root BUNDLE_DIR=$bundle
export PATH CALLS STATE BUNDLE_ROOT BUNDLE_DIR

token='K10aa11bb22cc33::server:s3cr3t-token-value'
node1() { env K3S_TOKEN="$token" K3S_INIT=1 NODE_NAME=node-1 MESH_IP=10.99.0.1 PUBLIC_IP=203.0.113.11 TLS_SANS="k8s.example.org 203.0.113.11" "$@"; }
node2() { env K3S_TOKEN="$token" K3S_INIT=0 NODE_NAME=node-2 JOIN_ADDRESS=10.99.0.1 MESH_IP=10.99.0.2 PUBLIC_IP=203.0.113.12 "$@"; }
# gitops COMMAND...: COMMAND with the cluster's GitOps settings (the same for every node)
gitops="env GITOPS_REPOSITORY=https://git.example.org/ops/cluster.git GITOPS_REVISION=main GITOPS_PATH=clusters/prod"

# lacks FILE TEXT NAME: FILE does not contain TEXT
lacks() { if grep -qF -- "$2" "$1"; then not_ok "$3"; else ok "$3"; fi; }
called() { new_calls; has new_calls.txt "$1" "$2"; }
not_called() {
  new_calls
  if grep -Eq -- "$1" new_calls.txt; then not_ok "$2"; sed 's/^/#   /' new_calls.txt; else ok "$2"; fi
}
# no_token NAME: the token is in neither out.txt nor err.txt
no_token() {
  if grep -qF -- "$token" out.txt err.txt; then not_ok "$1: the token is printed"; else ok "$1: the token is not printed"; fi
}
# again LABEL COMMAND...: a second run prints nothing and restarts or installs nothing
again() {
  label=$1
  shift
  mark
  expect 0 "$label: second run" "$@"
  if [ -s out.txt ]; then not_ok "$label: second run reports no change"; sed 's/^/#   /' out.txt; else
    ok "$label: second run reports no change"
  fi
  no_token "$label: second run"
  not_called 'restart|install.sh' "$label: second run restarts and installs nothing"
}

# --- missing and bad variables ---------------------------------------------------------------
expect 1 "config: without K3S_TOKEN" env MESH_IP=10.99.0.1 PUBLIC_IP=203.0.113.11 K3S_INIT=1 sh "$k3s/10-config.sh"
stderr_has "K3S_TOKEN is not set" "config: the missing token is named"
for var in MESH_IP PUBLIC_IP NODE_NAME; do
  expect 1 "config: without $var" node1 "$var=" sh "$k3s/10-config.sh"
  stderr_has "$var is not set" "config: $var is named"
done
expect 1 "config: a joining node without JOIN_ADDRESS" node2 JOIN_ADDRESS= sh "$k3s/10-config.sh"
stderr_has "JOIN_ADDRESS is not set" "config: JOIN_ADDRESS is named"
expect 1 "config: a bad MESH_IP" node1 MESH_IP=10.99.0.300 sh "$k3s/10-config.sh"
stderr_has "10.99.0.300" "config: the bad address is named"
for bad in Node-1 node_1 -node node.example.org; do
  expect 1 "config: NODE_NAME '$bad'" node1 NODE_NAME="$bad" sh "$k3s/10-config.sh"
  stderr_has "NODE_NAME must be a DNS label" "config: NODE_NAME '$bad' is refused"
done
expect 1 "config: a bad K3S_INIT" node1 K3S_INIT=yes sh "$k3s/10-config.sh"
stderr_has "K3S_INIT must be 0 or 1" "config: the bad K3S_INIT is named"
expect 1 "config: a bad TLS_SANS" node1 TLS_SANS="ok.example.org bad;name" sh "$k3s/10-config.sh"
stderr_has "TLS_SANS holds 'bad;name'" "config: the bad name is named"
expect 1 "config: a token with a newline" node1 K3S_TOKEN="$token
x" sh "$k3s/10-config.sh"
no_token "config: a bad token"
if [ ! -e "$root/etc/rancher/k3s" ]; then ok "config: a failed run writes nothing"; else not_ok "config: a failed run wrote files"; fi
for script in 20-airgap.sh 30-manifests.sh 40-install.sh; do
  expect 1 "$script: without BUNDLE_DIR" env BUNDLE_DIR= sh "$k3s/$script"
  stderr_has "BUNDLE_DIR is not set" "$script: BUNDLE_DIR is named"
done
expect 1 "install: before the config and the binary" sh "$k3s/40-install.sh"
stderr_has "run 20-airgap.sh first" "install: says what to run first"

# --- 10-config.sh: the founding node -----------------------------------------------------------
conf=/etc/rancher/k3s/config.yaml
mark
expect 0 "config: first run (init)" node1 sh "$k3s/10-config.sh"
no_token "config: first run"
for path in $conf /etc/rancher/k3s/cluster-token /etc/rancher/k3s/audit-policy.yaml /etc/rancher/k3s/pod-security.yaml; do
  has out.txt "changed $path" "config: reports $path"
  file_is "$path" 600 "config: $path is a regular file, 0600"
done
if [ "$(mode_of "$root/var/lib/rancher/k3s/server/logs")" = 700 ]; then ok "config: audit log directory 0700"; else
  not_ok "config: audit log directory is $(mode_of "$root/var/lib/rancher/k3s/server/logs")"
fi
if [ "$(cat "$root/etc/rancher/k3s/cluster-token")" = "$token" ]; then ok "config: the token file holds the token"; else
  not_ok "config: the token file does not hold the token"
fi
c=$root$conf
lacks "$c" "$token" "config: the token is not in config.yaml"
lacks "$c" "s3cr3t" "config: no part of the token is in config.yaml"
# The node name from cluster.yaml (not the kernel's hostname, K3s's default); the snapshots outside
# server/db (K3s's default, pkg/etcd/snapshot.go snapshotDir), in a folder K3s does not make itself.
for line in "cluster-init: true" "token-file: /etc/rancher/k3s/cluster-token" "node-ip: 10.99.0.1" \
  "node-name: node-1" "etcd-snapshot-dir: /var/lib/rancher/k3s/server/snapshots/etcd" \
  "advertise-address: 10.99.0.1" "node-external-ip: 203.0.113.11" '  - "10.99.0.1"' '  - "k8s.example.org"' \
  '  - "203.0.113.11"' "protect-kernel-defaults: true" 'write-kubeconfig-mode: "0600"' \
  '"admission-control-config-file=/etc/rancher/k3s/pod-security.yaml"' \
  '"audit-policy-file=/etc/rancher/k3s/audit-policy.yaml"' \
  '"audit-log-path=/var/lib/rancher/k3s/server/logs/audit.log"' '"audit-log-maxage=30"' \
  '"audit-log-maxbackup=10"' '"audit-log-maxsize=100"' 'system-reserved=' 'kube-reserved=' \
  '"eviction-hard=memory.available<200Mi,nodefs.available<10%'; do
  has "$c" "$line" "config: $line"
done
lacks "$c" "server: https://" "config: the founder names no server to join"
lacks "$c" "bind-address" "config: the API server keeps listening on loopback (no bind-address)"
# The must-match settings, in setting_pairs order, as server_settings.cpp lists them.
sed -n '/^# Must be identical/,/^service-cidr/p' "$c" | sed 1d >settings.txt
cat >settings.want <<'TXT'
cluster-cidr: 10.42.0.0/16
cluster-dns: 10.43.0.10
cluster-domain: cluster.local
disable:
  - servicelb
  - traefik
disable-kube-proxy: true
disable-network-policy: true
egress-selector-mode: agent
embedded-registry: false
flannel-backend: none
secrets-encryption: true
service-cidr: 10.43.0.0/16
TXT
if cmp -s settings.txt settings.want; then ok "config: the must-match settings, exactly"; else
  not_ok "config: the must-match settings differ"
  diff settings.want settings.txt | sed 's/^/#   /'
fi
for d in /var/lib/rancher/k3s/server/snapshots /var/lib/rancher/k3s/server/snapshots/etcd; do
  if [ "$(mode_of "$root$d")" = 700 ]; then ok "config: $d is a folder, 0700"; else not_ok "config: $d is $(mode_of "$root$d")"; fi
done
has "$root/etc/rancher/k3s/pod-security.yaml" "enforce: baseline" "psa: enforce baseline"
has "$root/etc/rancher/k3s/pod-security.yaml" "warn: restricted" "psa: warn restricted"
has "$root/etc/rancher/k3s/pod-security.yaml" "audit: restricted" "psa: audit restricted"
has "$root/etc/rancher/k3s/pod-security.yaml" "- kube-system" "psa: kube-system exempt"
has "$root/etc/rancher/k3s/audit-policy.yaml" "kind: Policy" "audit: a Policy"
not_called restart "config: K3s not running, so not restarted"
again config node1 sh "$k3s/10-config.sh"

# K3s running (and, after its restart, never ready) and the configuration changed: the script
# restarts nothing and returns. The node agent restarts K3s with --no-block and waits on /readyz
# with its own timeout; a blocking restart here would never return (checked with a timeout).
touch "$state/k3s-active" "$state/k3s-never-ready"
mark
expect 0 "config: a new TLS name while K3s runs" node1 TLS_SANS="k8s.example.org" timeout 20 sh "$k3s/10-config.sh"
has out.txt "changed /etc/rancher/k3s/config.yaml" "config: the new configuration is written"
not_called systemctl "config: 10-config.sh restarts nothing (the node agent does, without blocking)"
again "config with K3s running" node1 TLS_SANS="k8s.example.org" sh "$k3s/10-config.sh"
rm -f "$state/k3s-active" "$state/k3s-never-ready"

# --- 10-config.sh: a joining node, into another root -------------------------------------------
root2=$work/root2
mkdir -p "$root2"
expect 0 "config: first run (join)" node2 BUNDLE_ROOT="$root2" sh "$k3s/10-config.sh"
no_token "config: join"
c2=$root2$conf
has "$c2" "server: https://10.99.0.1:6443" "config: the joining node names its server"
lacks "$c2" "cluster-init" "config: the joining node does not initialise"
has "$c2" "node-ip: 10.99.0.2" "config: the joining node's mesh address"
lacks "$c2" "$token" "config: the token is not in the joining node's config.yaml"
expect 1 "config: joining oneself" node2 JOIN_ADDRESS=10.99.0.2 BUNDLE_ROOT="$root2" sh "$k3s/10-config.sh"
stderr_has "cannot join itself" "config: joining oneself is refused"

# --- 20-airgap.sh ------------------------------------------------------------------------------
images=/var/lib/rancher/k3s/agent/images
charts=/var/lib/rancher/k3s/server/static/charts
mark
expect 0 "airgap: first run" sh "$k3s/20-airgap.sh"
file_is /usr/local/bin/k3s 755 "airgap: binary in /usr/local/bin, 0755"
for f in k3s-airgap-images-amd64.tar.zst cilium.oci.tar argocd.oci.tar; do
  file_is "$images/$f" 644 "airgap: $f in agent/images, 0644"
  has out.txt "changed $images/$f" "airgap: reports $f"
done
file_is "$charts/cilium-1.18.14.tgz" 644 "airgap: chart in static/charts, 0644"
if cmp -s "$bundle/images/cilium.oci.tar" "$root$images/cilium.oci.tar"; then ok "airgap: images copied whole"; else not_ok "airgap: image content differs"; fi
again airgap sh "$k3s/20-airgap.sh"
chmod 600 "$root/usr/local/bin/k3s"
expect 0 "airgap: a wrong mode" sh "$k3s/20-airgap.sh"
file_is /usr/local/bin/k3s 755 "airgap: the mode is put right"

# --- 30-manifests.sh ---------------------------------------------------------------------------
m=/var/lib/rancher/k3s/server/manifests
expect 1 "manifests: a bad CILIUM_CHART" env CILIUM_CHART=cilium.tgz sh "$k3s/30-manifests.sh"
stderr_has "CILIUM_CHART" "manifests: the bad chart name is named"
expect 1 "manifests: a bad GITOPS_REPOSITORY" env GITOPS_REPOSITORY="file:///etc" sh "$k3s/30-manifests.sh"
stderr_has "GITOPS_REPOSITORY must be" "manifests: the bad repository is named"
mark
# shellcheck disable=SC2086 # $gitops: one word per argument
expect 0 "manifests: first run" node1 $gitops sh "$k3s/30-manifests.sh"
for f in bundle-priorityclasses.yaml bundle-cilium.yaml bundle-argocd.yaml bundle-gitops-root.yaml; do
  file_is "$m/$f" 600 "manifests: $f, 0600"
  has out.txt "changed $m/$f" "manifests: reports $f"
done
ci=$root$m/bundle-cilium.yaml
has "$ci" "kind: HelmChart" "cilium: a HelmChart"
has "$ci" "chart: https://%{KUBERNETES_API}%/static/charts/cilium-1.18.14.tgz" "cilium: from the static chart"
has "$ci" "bootstrap: true" "cilium: bootstrap"
has "$ci" "targetNamespace: kube-system" "cilium: into kube-system"
has "$ci" "    kubeProxyReplacement: true" "cilium: the values are in valuesContent"
ar=$root$m/bundle-argocd.yaml
has "$ar" "kind: Namespace" "argocd: the namespace first"
awk '/^kind: Deployment/{d=1} d&&/^  namespace: argocd/{print "yes"; exit}' "$ar" >dep.txt
has dep.txt yes "argocd: the Deployment is put in argocd"
awk '/^kind: CustomResourceDefinition/{d=1} /^---/{d=0} d&&/namespace:/{print "yes"}' "$ar" >crd.txt
if [ -s crd.txt ]; then not_ok "argocd: the CRD (cluster-scoped) gets no namespace"; else ok "argocd: the CRD (cluster-scoped) gets no namespace"; fi
ga=$root$m/bundle-gitops-root.yaml
has "$ga" "repoURL: 'https://git.example.org/ops/cluster.git'" "gitops: the repository"
has "$ga" "targetRevision: 'main'" "gitops: the revision"
has "$ga" "path: 'clusters/prod'" "gitops: the path"
pc=$root$m/bundle-priorityclasses.yaml
has "$pc" "name: platform-critical" "priority: platform-critical"
has "$pc" "value: 1000000" "priority: platform-critical's value"
has "$pc" "name: workload-default" "priority: workload-default"
if grep -q 'globalDefault: true' "$pc"; then not_ok "priority: no global default"; else ok "priority: no global default"; fi
# shellcheck disable=SC2086 # $gitops: one word per argument
again manifests node1 $gitops sh "$k3s/30-manifests.sh"

# Another node's environment into another root: the same manifests, byte for byte.
# shellcheck disable=SC2086 # $gitops: one word per argument
expect 0 "manifests: another node" node2 $gitops BUNDLE_ROOT="$root2" sh "$k3s/30-manifests.sh"
if diff -r "$root$m" "$root2$m" >diff.txt 2>&1; then ok "manifests: identical on two nodes (diff -r)"; else
  not_ok "manifests: differ between nodes"
  sed 's/^/#   /' diff.txt
fi
expect 0 "manifests: without GitOps" sh "$k3s/30-manifests.sh"
has out.txt "changed removed $m/bundle-gitops-root.yaml" "manifests: the root app is removed without GITOPS_REPOSITORY"
again "manifests without GitOps" sh "$k3s/30-manifests.sh"

# --- 40-install.sh -----------------------------------------------------------------------------
mark
expect 0 "install: first run" node1 sh "$k3s/40-install.sh"
no_token install
called "install.sh " "install: the bundled install.sh is run"
called "install.sh env INSTALL_K3S_SKIP_DOWNLOAD=true" "install: without download"
called "install.sh env INSTALL_K3S_EXEC=server" "install: as a server"
# install.sh starts nothing (its blocking `systemctl restart` of a Type=notify unit, which skips
# the start anyway when 20-airgap.sh replaced the binary first: install.sh,
# service_enable_and_start); the node agent starts K3s.
called "install.sh env INSTALL_K3S_SKIP_START=true" "install: K3s is not started by install.sh"
not_called "install.sh env K3S_" "install: no K3S_* variable (the token) reaches install.sh"
has out.txt "changed installed k3s" "install: reports the install"
file_is /var/lib/bundle/k3s-installed.sha256 644 "install: records the installed binary"
again install node1 sh "$k3s/40-install.sh"
# A new binary in the bundle: copied, then installed again.
printf 'stand-in k3s binary 2\n' >"$bundle/k3s/k3s"
expect 0 "airgap: a new binary" sh "$k3s/20-airgap.sh"
has out.txt "changed /usr/local/bin/k3s" "airgap: the new binary is copied"
mark
expect 0 "install: after a new binary" sh "$k3s/40-install.sh"
called "install.sh " "install: the new binary is installed"
again "install after the new binary" sh "$k3s/40-install.sh"

# --- every YAML file parses (when PyYAML is there) ---------------------------------------------
if python3 -c 'import yaml' 2>/dev/null; then
  for f in "$root$conf" "$root/etc/rancher/k3s/audit-policy.yaml" "$root/etc/rancher/k3s/pod-security.yaml" \
    "$c2" "$root$m"/*.yaml "$root2$m"/*.yaml; do
    if python3 -c 'import sys, yaml; docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]; assert docs' "$f" >yaml.txt 2>&1; then
      ok "yaml: ${f#"$work"/} parses"
    else
      not_ok "yaml: ${f#"$work"/} does not parse"
      sed 's/^/#   /' yaml.txt
    fi
  done
  # The values inside the HelmChart are the bundle's values.yaml, unchanged.
  if python3 -c 'import sys, yaml; hc = yaml.safe_load(open(sys.argv[1])); v = yaml.safe_load(open(sys.argv[2])); assert yaml.safe_load(hc["spec"]["valuesContent"]) == v; assert hc["spec"]["bootstrap"] is True' \
    "$ci" "$bundle/payload/cilium/values.yaml" >yaml.txt 2>&1; then ok "yaml: valuesContent equals values.yaml"; else
    not_ok "yaml: valuesContent differs from values.yaml"
    sed 's/^/#   /' yaml.txt
  fi
  if python3 -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1])); assert c["disable"] == ["servicelb", "traefik"] and c["embedded-registry"] is False and c["cluster-init"] is True and c["write-kubeconfig-mode"] == "0600" and c["node-name"] == "node-1"' \
    "$root$conf" >yaml.txt 2>&1; then ok "yaml: config.yaml's values have the right types"; else
    not_ok "yaml: config.yaml's values"
    sed 's/^/#   /' yaml.txt
  fi
else
  echo "# python3 yaml not available: the YAML parse checks are skipped"
fi

# --- the token nowhere but its file; no stray temporary files ---------------------------------
leaks=$(grep -rlF -- "$token" "$root" "$root2" | grep -v '/etc/rancher/k3s/cluster-token$')
if [ -z "$leaks" ]; then ok "the token is in no file but the token file"; else not_ok "the token is in: $leaks"; fi
if grep -qF -- "$token" "$calls"; then not_ok "the token reached no command"; else ok "the token reached no command"; fi
stray=$(find "$root" "$root2" -name '.*.??????' -type f)
if [ -z "$stray" ]; then ok "no temporary file left behind"; else not_ok "temporary files left: $stray"; fi

finish
