// What this node reports about itself on GET /v1/state, and how it is found out.
//
// The state comes from three facts: state.json (the install's record: phases done, the phase
// running, the role it took), the K3s database directory (<root>/var/lib/rancher/k3s/server/db,
// where embedded etcd keeps its data), and a live health check through the command runner:
// `k3s kubectl get --raw=/readyz --request-timeout=5s`, healthy when it exits 0 and its last
// line is "ok" (the API server's readiness, which fails while etcd has no quorum).
//
//   member        the install finished its K3s phase, or K3s answers healthy whatever the
//                 record says (a node whose state.json was lost still holds the cluster);
//                 `healthy` is the live check.
//   initialising  not a member by the rule above, but the install recorded a role (it decided
//                 to found or join, and K3s is not healthy yet), or a K3s database exists, or
//                 the negotiation announced a join (<state dir>/joining): this node is founding
//                 or joining a cluster, or holds the remains of one (a removed member's old
//                 data). `joining` is true with it when a join is announced or the recorded role
//                 is join (protocol.h, "One join at a time").
//   none          none of that: no role recorded, no database, K3s not answering. Only this
//                 answer lets the lowest-numbered node found a cluster (protocol.h), so every
//                 doubt leans away from it: an unreadable state.json counts as initialising.
//                 A node whose install is in its K3s phase but still asking its peers has no
//                 role yet and answers none: were it to answer initialising, three fresh nodes
//                 would each wait for the others for ever.
#pragma once

#include <string>

#include "node/command.h"
#include "node/node_config.h"
#include "node/state.h"
#include "peer/protocol.h"

namespace bundle::peer {

struct LocalState {
    PeerReport report;
    std::string detail;  // why, for a person
};

LocalState probe_local_state(const node::NodeConfig& config, const node::StateDir& dir,
                             node::CommandRunner& runner);
// The same with the live check's answer given (the server reuses one for a second, but reads
// the files at every request: an announcement must never hide behind an older answer).
LocalState probe_local_state(const node::NodeConfig& config, const node::StateDir& dir,
                             bool healthy);

// <state dir>/joining: present while this node announces a join (negotiate.h).
std::string join_announcement(const node::StateDir& dir);

// The live check alone: K3s's API server answers /readyz with "ok".
bool k3s_healthy(node::CommandRunner& runner);

// <root>/var/lib/rancher/k3s/server/db
std::string k3s_database_dir(const node::StateDir& dir);

}  // namespace bundle::peer
