// The agent's side of talking to its peers: ask each for its state, and ask a member to remove a
// stale member. Plain HTTP over the WireGuard mesh (the mesh encrypts and authenticates the
// peers; the removal is authenticated on top, removal_auth.h), through libcurl set up as every
// other transfer of bundle (fetch/curl_setup.h), plus: no proxy (a peer's mesh address is never
// reached through one), no redirects, a short connect timeout and a short total timeout, a body
// of at most 64 KiB. A peer that does not answer in time is "unreachable", never "none".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "node/node_config.h"
#include "peer/member_removal.h"
#include "peer/protocol.h"

namespace bundle::peer {

struct ClientOptions {
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds total_timeout{5000};
    std::chrono::milliseconds removal_timeout{150000};  // the member waits for K3s's finalizers
};

// How negotiate_role reaches the peers; tests give their own.
class PeerTransport {
  public:
    virtual ~PeerTransport() = default;
    // One answer per other configured node, in the order of config.nodes.
    virtual std::vector<Answer> ask_all(const node::NodeConfig& config) = 0;
    // Asks `member` to remove the stale member named `node`; an error when it did not (the
    // response's status and message in it). "Nothing to remove" is success with removed=false.
    virtual Result<RemovalOutcome> remove_member(const node::NodeConfig& config,
                                                 const node::Peer& member,
                                                 const std::string& node) = 0;
};

std::unique_ptr<PeerTransport> http_transport(ClientOptions options = {});

// One peer's answer to GET http://<mesh_ipv4>:<port>/v1/state.
Answer ask_peer(const node::Peer& peer, int port, const ClientOptions& options);

}  // namespace bundle::peer
