// `bundle node status`: where this node stands and why, read from the agent's state and journal
// and asked of the system through the CommandRunner (so a test can run it against stand-ins):
//
//   install   the bundle, the phases done, the phase running or failed and its last error, the
//             installed version, the role (init or join, and through whom)
//   mesh      the WireGuard interface's peers and how long ago their latest handshakes were,
//             asked of the kernel over netlink (wireguard_peers.h: stock images have no `wg`,
//             and networkd says nothing of them); --json gives both the epoch ("latest", 0 for
//             never) and "seconds_ago" (null for never)
//   k3s       /readyz, the cluster's nodes and which of them run etcd
//   add-ons   Cilium's DaemonSet and Argo CD's server rolled out
//   peers     what each peer's agent says of itself over the mesh (GET /v1/state): filled in by
//             the command line, which owns the HTTP client (peer/ builds on node/, not the reverse)
//
// Every question has a short timeout; one that cannot be answered says so ("unknown: ...")
// rather than failing the whole report.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "core/error.h"
#include "node/command.h"
#include "node/node_config.h"
#include "node/state.h"
#include "node/wireguard_peers.h"

namespace bundle::node {

struct Check {
    std::string name;    // "k3s-ready", "cilium", "argocd"
    bool ok = false;
    std::string detail;  // the command's last line of output, or why it could not run
};

struct HandShake {
    std::string peer;          // node name (from its WireGuard public key), or the key
    std::int64_t latest = 0;   // seconds since the epoch, as the kernel keeps it (wireguard_peers.h); 0: never
    std::int64_t seconds_ago = 0;  // now - latest; 0 when never
};

// "never", "42 s ago", "3 min 5 s ago", "2 h 10 min ago", "4 d 3 h ago". The kernel stamps a
// handshake with this node's own clock, so one later than now means the clock was set back:
// "7 s in the future (...)".
std::string describe_handshake(const HandShake& handshake);

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

// The handshakes come from `wireguard` (the kernel's, read_wireguard_peers, by default); `now`
// (seconds since the epoch) is what they are measured from: the clock by default, a fixed time
// in a test.
Result<NodeReport> collect_report(const NodeConfig& config, const StateDir& dir, CommandRunner& runner,
                                  const WireguardReader& wireguard = read_wireguard_peers,
                                  std::int64_t now = std::time(nullptr));
std::string report_json(const NodeReport& report);
std::string report_text(const NodeReport& report);

}  // namespace bundle::node
