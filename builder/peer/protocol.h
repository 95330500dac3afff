// The bootstrap protocol: how a node that has no K3s yet decides whether it founds the cluster,
// joins it through a member, or waits.
//
// Every node runs `bundle node serve` on its mesh address, and every node's node.yaml lists the
// same nodes with the same numbers (the order of cluster.yaml). A deciding node asks every other
// configured node for its report (GET /v1/state): the node's name and cluster, its state, whether
// its K3s answers healthy, the digest of its must-match K3s settings and its bundle. From the
// answers, and from nothing else, it decides:
//
//   1. A member that reports another settings digest than ours: refuse, with an error naming it
//      and both digests. Joining it would put servers with different service ranges, DNS or
//      encryption settings into one etcd; K3s half-works at best. This is checked before
//      anything else so that no member, matching or not, is joined while one of them disagrees.
//   2. A healthy member (its K3s answers /readyz) with our digest: join it (the lowest-numbered
//      one when several are), unless another node answers that it is joining (see "One join
//      at a time" below): then wait for it. Before K3s starts, the joining node asks that member
//      to remove a stale etcd member of its own name (authenticated, see removal_auth.h) and
//      sets its own old database aside: K3s refuses to rejoin a removed member whose data directory
//      survives (k3s #13498), and etcd refuses a second member with the address of a stale one.
//   3. Every other configured node answered that it holds no cluster (state `none`), and this
//      node has the lowest number of all configured nodes: initialise the cluster.
//   4. Anything else: wait, and say why, naming each peer and what it said: unreachable (a
//      refused connection, a timeout, garbage), initialising, a member that is not healthy, an
//      answer for another node or cluster than configured, or "no cluster" while a lower-numbered
//      node is the one to initialise.
//
// Why no second cluster can appear. A cluster is only ever founded by rule 3 (or by an operator's
// explicit `--force-init`, the disaster-recovery switch, which is loud about it). Rule 3 fires on
// one node only, the lowest-numbered, so two clusters would need that node to initialise twice.
// Its second initialisation needs every other node to answer `none`, and a node answers `none`
// only when it holds no K3s database and has recorded no role (local_state.h): every node that
// joined the first cluster answers `member` or `initialising` for as long as its data lives,
// that is until its disk is wiped by a reinstall. So at the second initialisation no node
// holds the first cluster any more: it is not a second cluster, it is the only one. An
// unreachable node never counts as `none`, so neither a late first node, nor a peer that is down,
// nor a split mesh can make anyone initialise: they wait, which is the safe side. A reinstalled
// first node therefore finds the others' `member` answers and joins (rule 2).
//
// One join at a time. K3s adds a joining server to etcd as a learner (pkg/etcd/etcd.go, join():
// MemberAddAsLearner) and promotes it only once it has caught up (manageLearners, every 15 s);
// until then its K3s is not ready (Test(): "not yet been promoted from learner to voting
// member"). etcd admits one learner at a time (server/etcdserver/api/membership/cluster.go,
// ValidateMaxLearnerConfig, DefaultMaxLearners = 1: "too many learner members in cluster"), and
// K3s ends on that error ("ETCD join failed"). So two nodes that start their joins together, the
// usual case when three fresh nodes boot, would see the second one fail. A node therefore
// reports `joining` from the moment it announces a join until it is a member (its K3s healthy or
// its K3s phase done), and joins in two steps (negotiate.h):
//
//   a. it decides to join (rule 2: a healthy member, and no other node joining), then announces
//      it (a file its own server reads on every /v1/state: never an answer cached from before);
//   b. it asks every peer again, with its announcement in place, and goes ahead only when rule 2
//      still says join. Otherwise it withdraws its announcement and waits, except when every
//      node holding it up is higher-numbered: then it keeps its announcement and asks again
//      next round, while they, seeing it, withdraw theirs (the lowest-numbered goes first: two
//      nodes that announce together do not both withdraw and retry for ever).
//
// No two nodes go ahead together: each asks with its announcement in place and goes ahead only
// when it saw no other announcement. If X and Y both went ahead, X asked Y before Y announced,
// and Y asked X before X announced; but each announced before asking, so X announced < X asked Y
// < Y announced < Y asked X < X announced, which cannot be. A node that went ahead keeps its
// announcement until it is a member. (A peer that does not answer cannot be counted: a node
// joining behind a split mesh can still meet another join; K3s then fails that join and the
// install stops, naming it, to be rerun.) A node that stays `joining` because its K3s never
// becomes ready holds the others' joins up, saying so in their reasons: the safe side, as etcd
// would refuse them anyway while its learner is there.
//
// This changes nothing in why no second cluster can appear (above): an announcement makes a
// node answer `initialising`, never `none`, and rule 3 still needs every other node's `none`.
//
// The reports are not signed: they come over the WireGuard mesh, from peers holding the mesh's
// keys. A peer that lies can at worst make a node wait or join it, never found a second cluster
// against the truthful answers of the others: founding needs every peer's `none`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "node/node_config.h"
#include "node/status.h"

namespace bundle::peer {

enum class PeerState { none, initialising, member };

const char* state_name(PeerState state);                        // "none", "initialising", "member"
std::optional<PeerState> parse_state(const std::string& name);  // nullopt for anything else

// What a node says about itself on GET /v1/state.
struct PeerReport {
    std::string cluster;
    std::string node;
    PeerState state = PeerState::none;
    bool healthy = false;
    std::string settings_digest;  // "sha256:<hex>"
    std::string bundle_file;
    std::uint64_t bundle_version = 0;
    // Announced or under way, and not a member yet: no other node may start a join ("One join
    // at a time"). Only ever true with state `initialising`.
    bool joining = false;
};

// One configured peer's answer: its report, or why there is none.
struct Answer {
    std::string node;     // the configured name
    std::string address;  // its mesh address
    int number = 0;
    std::optional<PeerReport> report;
    std::string failure;  // when there is no report: "connection refused", "HTTP 500", ...
};

struct Decision {
    enum class Kind { init, join, wait };
    Kind kind = Kind::wait;
    std::string join_node;     // for join: the member's name
    std::string join_address;  // for join: its mesh address
    std::string reason;        // one sentence, naming the peers and what they said
    // For a wait of rule 2: the other nodes that are joining (their names), so that a node that
    // announced its own join can tell whether it goes first (negotiate.h).
    std::vector<std::string> joining;
};

// Decides from the answers of every other configured node (answers for nodes not in `config`, or
// for this node, are ignored; a configured peer without an answer counts as unreachable). The
// only error is the must-match refusal of rule 1 (Code::refused, `where` = the member).
// `force_init` returns init whatever the answers, except that a healthy member with our digest
// is refused as an error: forcing a second cluster beside a working one is never what an
// operator recovering from a disaster wants.
Result<Decision> decide(const node::NodeConfig& config, const std::vector<Answer>& answers,
                        bool force_init = false);

// "node-2 (10.6.0.2): member, healthy" and the like, for logs and reasons.
std::string describe(const Answer& answer);

// The answer as `bundle node status` shows it, its settings digest compared with `our_digest`.
node::PeerView view_of(const Answer& answer, const std::string& our_digest);

}  // namespace bundle::peer
