#!/bin/sh
# The K3s server configuration of this node: /etc/rancher/k3s/config.yaml, the token file it
# names, the audit policy and the Pod Security admission configuration it points the API server
# at. K3s reads config.yaml at every start; the install (40-install.sh) passes nothing else.
#
# Every node is a server with embedded etcd. The one node that founds the cluster runs with
# `cluster-init: true` (K3S_INIT=1); every other one, and the founder itself once reinstalled,
# joins through `server: https://JOIN_ADDRESS:6443`. The node agent decides which (DESIGN.md,
# "Bootstrap without a special node").
#
# The node's addresses are its mesh address (node-ip, advertise-address: etcd, the kubelet and
# the API server talk over the WireGuard mesh) and its public address (node-external-ip). No
# `bind-address`: the API server keeps listening on every address, loopback included, which
# Cilium (k8sServiceHost 127.0.0.1) and the kubeconfig rely on; the host firewall keeps 6443 on
# the mesh. No `flannel-iface`: flannel is off (Cilium is the CNI, its VXLAN runs between node
# addresses, i.e. over the mesh).
#
# The settings that must be identical on every server are written exactly as
# builder/render/server_settings.cpp's setting_pairs lists them (same keys, same values, same
# order), so the digest the node agent compares describes what K3s runs with.
#
# The token is never written into config.yaml and never printed: it goes into its own 0600 file,
# which config.yaml names with `token-file`.
#
# It restarts nothing: K3s reads these files when it starts, and the node agent restarts it
# (without waiting on systemd) when they, the binary or the unit changed (node/k3s_service.h). A
# blocking `systemctl restart` here would hang for ever on a K3s that never becomes ready: the
# unit is Type=notify with TimeoutStartSec=0 (K3s's install.sh).
#
# The node is named in `node-name`, not after the kernel's hostname (K3s's default): the agent's
# checks (`kubectl wait node/NAME`, the etcd annotation), member removal and K3s's node-password
# secret all use the name in cluster.yaml, whatever the hostname is.
#
# etcd's snapshots go to /var/lib/rancher/k3s/server/snapshots/etcd (`etcd-snapshot-dir`), outside
# server/db (K3s's default, pkg/etcd/snapshot.go snapshotDir), so that setting the database aside
# (a rejoin) or removing it by hand never takes them with it. K3s creates only its default
# folder, so this script makes it (0700). It is no setting that must match across servers
# (K3s's CriticalControlArgs do not include it).
#
# Environment:
#   BUNDLE_ROOT  root prefix of every file written (default /)
#   K3S_TOKEN    the cluster token (required)
#   K3S_INIT     1 on the node that initialises the cluster, 0 otherwise (default 0)
#   JOIN_ADDRESS mesh address of a healthy member to join (required unless K3S_INIT=1)
#   NODE_NAME    this node's name in cluster.yaml (required; a DNS label: K3s's node name)
#   MESH_IP      this node's mesh IPv4 address (required)
#   PUBLIC_IP    this node's public IPv4 address (required)
#   TLS_SANS     extra names and addresses for the API server certificate (space-separated)
here=$(dirname "$0")
# shellcheck source-path=SCRIPTDIR source=../harden/lib.sh
. "$here/../harden/lib.sh"

# need_ipv4 NAME: the variable NAME holds a dotted-quad IPv4 address.
need_ipv4() {
  need "$1"
  eval "value=\$$1"
  # shellcheck disable=SC2154 # set by the eval above
  case $value in
    *[!0-9.]* | .* | *. | *..*) die "$1 must be an IPv4 address, not '$value'" ;;
  esac
  old_ifs=$IFS
  IFS=.
  # shellcheck disable=SC2086 # split on the dots
  set -- $value
  IFS=$old_ifs
  [ $# -eq 4 ] || die "$1 must be an IPv4 address, not '$value'"
  for part in "$@"; do
    case $part in 0?*) die "an IPv4 address has no leading zeros: '$value'" ;; esac
    [ "$part" -le 255 ] || die "an IPv4 address has parts of at most 255: '$value'"
  done
}

need K3S_TOKEN
case $K3S_TOKEN in
  *[!A-Za-z0-9:._+/=-]*) die "K3S_TOKEN holds characters a K3s token has not (its value is not shown)" ;;
esac
need_ipv4 MESH_IP
need_ipv4 PUBLIC_IP
need NODE_NAME
case $NODE_NAME in
  *[!a-z0-9-]* | -* | *-) die "NODE_NAME must be a DNS label (a-z, 0-9, '-'), not '$NODE_NAME'" ;;
esac
[ "${#NODE_NAME}" -le 63 ] || die "NODE_NAME is longer than a DNS label (63): '$NODE_NAME'"
init=${K3S_INIT:-0}
case $init in
  0) need_ipv4 JOIN_ADDRESS
     [ "$JOIN_ADDRESS" != "$MESH_IP" ] || die "JOIN_ADDRESS is this node's own MESH_IP: a node cannot join itself" ;;
  1) ;;
  *) die "K3S_INIT must be 0 or 1, not '$init'" ;;
esac
sans=$MESH_IP
for san in ${TLS_SANS:-}; do
  case $san in
    *[!A-Za-z0-9.:-]* | -*) die "TLS_SANS holds '$san', which is no DNS name or IP address" ;;
  esac
  case " $sans " in *" $san "*) ;; *) sans="$sans $san" ;; esac
done

k3s_dir=/etc/rancher/k3s
token_file=$k3s_dir/cluster-token
audit_policy=$k3s_dir/audit-policy.yaml
psa_config=$k3s_dir/pod-security.yaml
audit_log=/var/lib/rancher/k3s/server/logs/audit.log
snapshot_dir=/var/lib/rancher/k3s/server/snapshots/etcd

# The token, through a here-document: it is in no process's arguments.
write_file "$token_file" 600 <<TOKEN
$K3S_TOKEN
TOKEN

write_file "$audit_policy" 600 <<'YAML'
# Written by bundle (payload/k3s/10-config.sh); edits are overwritten.
# The API server's audit policy: metadata of every request, nothing of Secrets' or tokens'
# content, and none of the noise of health checks and of the system's own watches.
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - RequestReceived
rules:
  - level: None
    nonResourceURLs:
      - /healthz*
      - /livez*
      - /readyz*
      - /version
  - level: None
    users:
      - system:kube-proxy
      - system:apiserver
    verbs:
      - watch
  - level: None
    resources:
      - group: ""
        resources:
          - events
  - level: None
    resources:
      - group: coordination.k8s.io
        resources:
          - leases
  - level: Metadata
    resources:
      - group: ""
        resources:
          - secrets
          - configmaps
          - serviceaccounts/token
      - group: authentication.k8s.io
        resources:
          - tokenreviews
  - level: Metadata
YAML

write_file "$psa_config" 600 <<'YAML'
# Written by bundle (payload/k3s/10-config.sh); edits are overwritten.
# Pod Security admission: every namespace enforces `baseline` unless labelled otherwise, and
# warns and audits at `restricted`; kube-system (Cilium, CoreDNS, K3s's Helm jobs) is exempt.
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults:
        enforce: baseline
        enforce-version: latest
        audit: restricted
        audit-version: latest
        warn: restricted
        warn-version: latest
      exemptions:
        usernames: []
        runtimeClasses: []
        namespaces:
          - kube-system
YAML

# The audit log's directory, private (the CIS hardening guide's 0700).
private_dir "${audit_log%/*}"

# etcd's snapshot folder, private like K3s's own (it creates db/snapshots 0700).
private_dir "${snapshot_dir%/*}"
private_dir "$snapshot_dir"

config=$(
  echo "# Written by bundle (payload/k3s/10-config.sh); edits are overwritten."
  echo "# K3s server configuration of this node (mode 0600; the token is in token-file)."
  if [ "$init" = 1 ]; then
    echo "cluster-init: true"
  else
    echo "server: https://$JOIN_ADDRESS:6443"
  fi
  echo "token-file: $token_file"
  echo "node-name: $NODE_NAME"
  echo "node-ip: $MESH_IP"
  echo "advertise-address: $MESH_IP"
  echo "node-external-ip: $PUBLIC_IP"
  echo "tls-san:"
  for san in $sans; do echo "  - \"$san\""; done
  echo "# Must be identical on every server (render/server_settings.cpp, setting_pairs order)."
  echo "cluster-cidr: 10.42.0.0/16"
  echo "cluster-dns: 10.43.0.10"
  echo "cluster-domain: cluster.local"
  echo "disable:"
  echo "  - servicelb"
  echo "  - traefik"
  echo "disable-kube-proxy: true"
  echo "disable-network-policy: true"
  echo "egress-selector-mode: agent"
  echo "embedded-registry: false"
  echo "flannel-backend: none"
  echo "secrets-encryption: true"
  echo "service-cidr: 10.43.0.0/16"
  echo "etcd-snapshot-dir: $snapshot_dir"
  echo "# Hardening (K3s's CIS hardening guide)."
  echo "protect-kernel-defaults: true"
  echo "write-kubeconfig-mode: \"0600\""
  echo "kube-apiserver-arg:"
  echo "  - \"admission-control-config-file=$psa_config\""
  echo "  - \"audit-policy-file=$audit_policy\""
  echo "  - \"audit-log-path=$audit_log\""
  echo "  - \"audit-log-maxage=30\""
  echo "  - \"audit-log-maxbackup=10\""
  echo "  - \"audit-log-maxsize=100\""
  echo "# Room for the system and for K3s itself on a small VPS, and eviction before the OOM killer."
  echo "kubelet-arg:"
  echo "  - \"system-reserved=cpu=250m,memory=256Mi,ephemeral-storage=1Gi\""
  echo "  - \"kube-reserved=cpu=250m,memory=384Mi,ephemeral-storage=1Gi\""
  echo "  - \"eviction-hard=memory.available<200Mi,nodefs.available<10%,imagefs.available<10%\""
)
write_file "$k3s_dir/config.yaml" 600 <<CONFIG
$config
CONFIG
