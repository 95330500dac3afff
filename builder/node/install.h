// `bundle node install`: from a node configuration and a bundle to a hardened member of the
// cluster, in phases:
//
//   obtain   the bundle into /var/lib/bundle/bundles/, its SHA-256 checked against node.yaml's
//   extract  signature (node.yaml's signing key), rollback check, every digest; extracted on
//            every core into releases/<version>-<sha>/, `current` switched atomically; the node
//            agent copied to /usr/local/bin/bundle
//   harden   payload/harden/[0-9]*.sh (SSH, nftables, sysctl, time, upgrades, journald)
//   mesh     WireGuard through systemd-networkd (the .netdev/.network the user-data wrote;
//            when they changed since applied, the interface is deleted and networkd restarted,
//            since a reload keeps an existing one as it is: node/mesh.cpp), networkd's drop-in
//            that leaves Cilium's routes and rules alone, and bundle-node.service (`bundle node
//            serve` on the mesh address) started
//   k3s      the bootstrap decision (init, or join a healthy member: see peer/), then
//            payload/k3s/10-config.sh, 20-airgap.sh and 40-install.sh, until K3s answers /readyz
//   addons   payload/k3s/30-manifests.sh: Cilium, Argo CD, the GitOps root app, PriorityClasses
//   health   K3s ready, this node Ready, Cilium and Argo CD rolled out
//
// Before anything is written, a preflight checks what the OS image must provide (preflight.h)
// and names everything missing at once (exit 3). Once every phase is done: the bundles and
// releases older than the one installed before are removed (releases.h), and
// bundle-bootstrap.service, when it is enabled, is disabled: an installed node runs no install
// at boot.
//
// Every phase is idempotent. state.json records the phases done for the bundle being installed
// after each one, so a rerun (after a crash, a reboot or a failed phase) starts at the first
// phase not done; a new bundle starts from obtain again; mesh files rewritten since the mesh
// phase applied them (a peer replaced) make harden and mesh run again. A bundle older than the
// installed one is refused. Outside programs run through the CommandRunner (command.h); every
// file goes under `root`.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/error.h"
#include "node/command.h"
#include "node/log.h"
#include "node/node_config.h"

namespace bundle::node {

// How this node enters the cluster: it founds it (init) or joins the member at `address`.
struct JoinPlan {
    bool init = false;
    std::string address;  // mesh address of the member to join (when !init)
    std::string node;     // that member's name
    bool forced = false;  // init by --force-init (disaster recovery), whatever the peers said
};

// The bootstrap decision, taken by the peer protocol (builder/peer/); waits as long as it must.
using RoleDecider = std::function<Result<JoinPlan>(const NodeConfig& config, Log& log)>;

struct InstallOptions {
    std::string config_path = "/etc/bundle/node.yaml";
    std::string bundle_path;  // the bundle file; may be empty when it was obtained before
    std::string root;         // "" for the real system
    unsigned jobs = 1;
    std::chrono::seconds ready_timeout{900};  // K3s /readyz, then the health checks
    std::chrono::milliseconds poll_interval{5000};
    bool quiet = false;
};

Status install(const InstallOptions& options, CommandRunner& runner, const RoleDecider& decide);

}  // namespace bundle::node
