// `bundle node status`: where this node stands and why, read from the agent's state and journal
// and asked of the system through the CommandRunner (so a test can run it against stand-ins):
//
//   install   the bundle, the phases done, the phase running or failed and its last error, the
//             installed version, the role (init or join, and through whom)
//   mesh      the WireGuard interface's peers and their latest handshakes (`wg show`, when
//             wireguard-tools is installed; networkd itself needs no tool and says nothing of them)
//   k3s       /readyz, the cluster's nodes and which of them run etcd
//   add-ons   Cilium's DaemonSet and Argo CD's server rolled out
//   peers     what each peer's agent says of itself over the mesh (GET /v1/state): filled in by
//             the command line, which owns the HTTP client (peer/ builds on node/, not the reverse)
//
// Every question has a short timeout; one that cannot be answered says so ("unknown: ...")
// rather than failing the whole report.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "node/command.h"
#include "node/node_config.h"
#include "node/state.h"

namespace bundle::node {

struct Check {
    std::string name;    // "k3s-ready", "cilium", "argocd"
    bool ok = false;
    std::string detail;  // the command's last line of output, or why it could not run
};

struct HandShake {
    std::string peer;  // node name (from its WireGuard public key), or the key
    std::string latest;  // seconds since the epoch as wg prints it, "0" when never
};

// One peer's own answer, or why there is none.
struct PeerView {
    std::string node;
    std::string address;        // its mesh address
    std::string failure;        // empty when it answered: "connection refused", "HTTP 500", ...
    std::string state;          // "none", "initialising", "member"
    bool healthy = false;       // a member whose K3s answers /readyz
    bool same_settings = false; // its settings digest is ours (it must be, to share a cluster)
    std::string bundle;         // "ovh-ha3-7.bundle (version 7)"
};

struct NodeReport {
    std::string node;
    std::string cluster;
    InstallState state;
    std::vector<HandShake> handshakes;
    std::string handshakes_note;  // why there are none to show, when there are none
    std::vector<std::string> k3s_nodes;  // "name role(s) status" lines
    std::vector<Check> checks;
    std::vector<PeerView> peers;  // in the order of node.yaml's nodes, this node left out
    std::vector<std::string> journal_tail;  // the last lines of journal.log
};

Result<NodeReport> collect_report(const NodeConfig& config, const StateDir& dir, CommandRunner& runner);
std::string report_json(const NodeReport& report);
std::string report_text(const NodeReport& report);

}  // namespace bundle::node
