// How a node without a cluster gets its role: the bootstrap protocol (protocol.h) run against
// the live peers until it says init or join. `bundle node install` calls negotiate_role() in its
// K3s phase, before it writes K3s's configuration; `bundle node bootstrap` shows the decision.
//
// Preconditions: K3s is not running on this node (never started, or stopped by the caller):
// for a join, this node's old K3s database is set aside here (unless `clear_database` is off
// because the caller does it itself, as the install does after stopping K3s).
//
// Each round asks every peer (in parallel, with short timeouts) and decides. Wait: the reason is
// logged and the round repeats after `poll_interval`, until `timeout` (an error naming the last
// reason; 0 waits for ever) or `stop`. Join, in two steps (protocol.h, "One join at a time"):
// the first round that says join announces it (<state dir>/joining, which this node's server
// reports as `joining`) and asks again at once; only a second join, with the announcement in
// place, goes ahead. A wait withdraws the announcement, unless every node joining is
// higher-numbered (this node then goes first). Going ahead: the chosen member is asked to remove
// a stale member of this node's name (a failure withdraws, is logged, and the next round decides
// again, maybe for another member); then this node's old database is set aside and the role
// returned, the announcement kept (it is the `joining` answer until this node is a member). An
// error, an interruption or a timeout withdraws it; so does the start of a negotiation (an
// announcement a crashed run left). A must-match
// mismatch is an error at once: waiting would not change it.
//
// Disaster recovery: when most of the cluster is lost for good, the survivors have no quorum and
// never answer healthy, and a reinstalled node would wait for ever. `force_init` (or the marker
// file that `bundle node bootstrap --force-init` leaves, <state dir>/force-init) makes this node
// initialise without the others' agreement; its old database is kept (the install's K3s phase
// then runs K3s's cluster reset on it; without one, K3s starts fresh). It is still refused while
// any peer answers as a healthy member: that cluster is alive and must be joined. The marker is
// removed when the forced role is returned.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "core/error.h"
#include "node/command.h"
#include "node/node_config.h"
#include "peer/client.h"
#include "peer/http_server.h"
#include "peer/protocol.h"

namespace bundle::peer {

struct Role {
    enum class Kind { init, join };
    Kind kind = Kind::init;
    std::string join_node;     // for join
    std::string join_address;  // for join: the member's mesh address (K3s's server URL host)
    bool forced = false;       // init by --force-init
    std::string reason;
};

struct NegotiateOptions {
    std::string root;  // "" for /: where the state dir and the K3s database are
    bool force_init = false;
    std::chrono::milliseconds poll_interval{5000};
    std::chrono::milliseconds timeout{0};  // 0: wait for ever
    const std::atomic<bool>* stop = nullptr;
    // When set, this node's own K3s is checked first: a healthy one means it is a member
    // already, and nothing is negotiated (an error).
    node::CommandRunner* runner = nullptr;
    bool clear_database = true;
    ClientOptions client;
};

// The defaults, with BUNDLE_PEER_POLL_MS and BUNDLE_PEER_TIMEOUT_S from the environment when
// set (tests use short ones).
NegotiateOptions negotiate_options_from_environment();

Result<Role> negotiate_role(const node::NodeConfig& config, const NegotiateOptions& options,
                            const LogSink& log);
Result<Role> negotiate_role(const node::NodeConfig& config, const NegotiateOptions& options,
                            const LogSink& log, PeerTransport& transport);

// One round, no side effects: what the node would decide now (`bundle node bootstrap --dry-run`).
Result<Decision> decide_once(const node::NodeConfig& config, bool force_init,
                             PeerTransport& transport, const LogSink& log);

// <state dir>/force-init
std::string force_init_marker(const std::string& root);
Status write_force_init_marker(const std::string& root);

// Sets <root>/var/lib/rancher/k3s/server/db aside without following links, its snapshots kept
// (node/old_database.h); true when it existed.
Result<bool> clear_k3s_database(const std::string& root);

}  // namespace bundle::peer
