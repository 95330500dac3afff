#!/bin/sh
# The add-ons, as files in K3s's auto-deploy directory /var/lib/rancher/k3s/server/manifests/
# (every server applies it and nothing synchronises it between servers: the files are therefore
# the same on every node, built only from the bundle and the cluster's GitOps settings, never from
# anything of this node):
#
#   bundle-priorityclasses.yaml  PriorityClasses platform-critical (1000000) and workload-default
#                                (1000, not the global default)
#   bundle-cilium.yaml           a HelmChart for Cilium from the bundled chart, served by K3s at
#                                https://%{KUBERNETES_API}%/static/charts/ (20-airgap.sh puts it
#                                there), `bootstrap: true` (it runs before any CNI exists), values
#                                = the bundle's payload/cilium/values.yaml
#   bundle-argocd.yaml           the Namespace argocd and Argo CD's install.yaml, each namespaced
#                                object of it placed in argocd (K3s does not apply with `-n`)
#   bundle-gitops-root.yaml      the GitOps root Application, when GITOPS_REPOSITORY is set
#                                (removed when it is not)
#
# Mode 0600 (K3s's CIS hardening guide), written only when they differ.
#
# Environment:
#   BUNDLE_ROOT        root prefix of every file written (default /)
#   BUNDLE_DIR         the extracted bundle (required)
#   CILIUM_CHART       the chart's file name in the bundle's charts/ (default: the one
#                      charts/cilium-*.tgz there); the version is read from it
#   GITOPS_REPOSITORY  the root app's repository URL (optional)
#   GITOPS_REVISION    its revision (default HEAD)
#   GITOPS_PATH        its path in the repository (default .)
here=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=../harden/lib.sh
. "$here/../harden/lib.sh"

need BUNDLE_DIR
[ -d "$BUNDLE_DIR" ] || die "BUNDLE_DIR $BUNDLE_DIR is not a directory"
values=$BUNDLE_DIR/payload/cilium/values.yaml
argocd=$BUNDLE_DIR/manifests/argocd/install.yaml
[ -f "$values" ] || die "BUNDLE_DIR $BUNDLE_DIR has no payload/cilium/values.yaml"
[ -f "$argocd" ] || die "BUNDLE_DIR $BUNDLE_DIR has no manifests/argocd/install.yaml"

chart=${CILIUM_CHART:-}
if [ -z "$chart" ]; then
  for file in "$BUNDLE_DIR"/charts/cilium-*.tgz; do
    [ -f "$file" ] || continue
    [ -z "$chart" ] || die "the bundle has several Cilium charts: set CILIUM_CHART"
    chart=$file
  done
  [ -n "$chart" ] || die "the bundle has no charts/cilium-*.tgz (CILIUM_CHART is not set either)"
fi
chart=${chart##*/}
version=${chart#cilium-}
version=${version%.tgz}
case $chart:$version in
  cilium-*.tgz:[0-9]*) ;;
  *) die "CILIUM_CHART must name a file cilium-VERSION.tgz, not '$chart'" ;;
esac
case $version in *[!0-9A-Za-z.+-]*) die "CILIUM_CHART '$chart' has an odd version '$version'" ;; esac
[ -f "$BUNDLE_DIR/charts/$chart" ] || die "CILIUM_CHART: the bundle has no charts/$chart"

# The GitOps settings are checked before anything is written.
if [ -n "${GITOPS_REPOSITORY:-}" ]; then
  for name in GITOPS_REPOSITORY GITOPS_REVISION GITOPS_PATH; do
    eval "value=\${$name:-}"
    # shellcheck disable=SC2154 # set by the eval above
    case $value in *"
"*) die "$name must be a single line" ;; esac
  done
  case $GITOPS_REPOSITORY in
    https://* | ssh://* | git@*:*) ;;
    *) die "GITOPS_REPOSITORY must be an https://, ssh:// or git@host:path URL, not '$GITOPS_REPOSITORY'" ;;
  esac
fi

# quoted TEXT: TEXT as a single-quoted YAML scalar.
quoted() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }

manifests=/var/lib/rancher/k3s/server/manifests
header="# Written by bundle (payload/k3s/30-manifests.sh); identical on every server; edits are overwritten."

write_file "$manifests/bundle-priorityclasses.yaml" 600 <<YAML
$header
# The platform (Cilium, Argo CD, the GitOps-managed platform components) is scheduled, and kept,
# before workloads; workloads take workload-default.
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: platform-critical
value: 1000000
globalDefault: false
description: "Platform components: above every workload, below system-node-critical and system-cluster-critical."
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: workload-default
value: 1000
globalDefault: false
description: "Ordinary workloads: below platform-critical."
YAML

{
  echo "$header"
  echo "apiVersion: helm.cattle.io/v1"
  echo "kind: HelmChart"
  echo "metadata:"
  echo "  name: cilium"
  echo "  namespace: kube-system"
  echo "spec:"
  echo "  chart: https://%{KUBERNETES_API}%/static/charts/$chart"
  echo "  targetNamespace: kube-system"
  echo "  bootstrap: true"
  echo "  valuesContent: |-"
  # Indented into the block scalar; empty lines stay empty.
  sed 's/^\(.\)/    \1/' "$values"
} | write_file "$manifests/bundle-cilium.yaml" 600

# install.yaml is made for `kubectl apply -n argocd`: its namespaced objects carry no namespace.
# K3s's deploy controller has no `-n`, so each object whose kind is namespaced gets
# `namespace: argocd` under its top-level metadata (cluster-scoped kinds are listed).
{
  echo "$header"
  echo "apiVersion: v1"
  echo "kind: Namespace"
  echo "metadata:"
  echo "  name: argocd"
  echo "---"
  awk -v ns=argocd '
    function flush(   i, out) {
      if (n == 0) return
      scoped = (kind ~ /^(CustomResourceDefinition|ClusterRole|ClusterRoleBinding|Namespace|PriorityClass|StorageClass|PersistentVolume|APIService|MutatingWebhookConfiguration|ValidatingWebhookConfiguration|ValidatingAdmissionPolicy|ValidatingAdmissionPolicyBinding|IngressClass|RuntimeClass|CSIDriver|Node)$/)
      for (i = 1; i <= n; i++) {
        print doc[i]
        if (!scoped && kind != "" && !hasns && i == meta) print "  namespace: " ns
      }
      n = 0; kind = ""; meta = 0; hasns = 0; inmeta = 0
    }
    /^---/ { if (!seen) next; flush(); print; next }
    {
      seen = 1
      doc[++n] = $0
      if ($0 ~ /^kind:[ \t]/) { kind = $2 }
      if ($0 ~ /^metadata:[ \t]*$/) { meta = n; inmeta = 1; next }
      if (inmeta && $0 ~ /^[^ \t#]/) inmeta = 0
      if (inmeta && $0 ~ /^  namespace:/) hasns = 1
    }
    END { flush() }
  ' "$argocd"
} | write_file "$manifests/bundle-argocd.yaml" 600

root_app=$manifests/bundle-gitops-root.yaml
if [ -n "${GITOPS_REPOSITORY:-}" ]; then
  write_file "$root_app" 600 <<YAML
$header
# The GitOps root application: Argo CD syncs everything else from the cluster's repository.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
spec:
  project: default
  source:
    repoURL: $(quoted "$GITOPS_REPOSITORY")
    targetRevision: $(quoted "${GITOPS_REVISION:-HEAD}")
    path: $(quoted "${GITOPS_PATH:-.}")
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
YAML
elif [ -e "$root$root_app" ] || [ -L "$root$root_app" ]; then
  rm -f "$root$root_app" || die "cannot remove $root_app"
  echo "changed removed $root_app"
fi
