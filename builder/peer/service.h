// `bundle node serve`: the node agent's server on the mesh address, for its peers.
//
//   GET|HEAD /bundle/<file>       the installed bundle, with ranges (bundle_files.h)
//   GET|HEAD /v1/state            this node's report (report_json.h, local_state.h)
//   POST     /v1/members/remove   remove the stale member of another node (removal_auth.h,
//                                 member_removal.h)
//
// Answers to a removal, JSON: 200 {"node", "removed": true|false, "detail"} (false: the cluster
// had no such node), and errors as {"error": "..."}: 400 malformed (any field of another JSON
// type or out of range, a missing or an unexpected field: checked before anything else), 403
// addressed to another member (checked before the MAC), 401 bad MAC, 403 timestamp outside the
// window or this node itself named, 404 not a node of this cluster, 409 a replayed nonce or this
// node not being a cluster member, 502 the removal command failed.
//
// K3s's health is probed at most once a second (the check runs kubectl) and shared by the
// requests of that second; the files that make the rest of the state are read at every request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/error.h"
#include "node/command.h"
#include "node/node_config.h"
#include "node/state.h"
#include "peer/http_server.h"
#include "peer/local_state.h"
#include "peer/nonce_store.h"

namespace bundle::peer {

using SecondsClock = std::function<std::int64_t()>;  // seconds since the epoch
std::int64_t system_seconds();

// The request handling of the agent's server, without sockets (tests call handle() directly).
class AgentService {
  public:
    static Result<std::unique_ptr<AgentService>> create(const node::NodeConfig& config,
                                                        node::StateDir dir,
                                                        node::CommandRunner& runner, LogSink log,
                                                        SecondsClock now = system_seconds);

    HttpResponse handle(const HttpRequest& request);

    // The nonce store's file: <state dir>/peer-nonces.
    static std::string nonce_path(const node::StateDir& dir);

  private:
    AgentService(const node::NodeConfig& config, node::StateDir dir, node::CommandRunner& runner,
                 LogSink log, SecondsClock now, std::string key);

    HttpResponse state(const HttpRequest& request);
    HttpResponse remove(const HttpRequest& request);
    LocalState current_state();

    const node::NodeConfig& config_;
    node::StateDir dir_;
    node::CommandRunner& runner_;
    LogSink log_;
    SecondsClock now_;
    std::string key_;  // SECRET: derived from the K3s token
    NonceStore nonces_;
    std::mutex probe_mutex_;
    std::chrono::steady_clock::time_point probed_at_{};
    std::optional<bool> probed_healthy_;
    std::mutex removal_mutex_;  // one removal at a time
};

struct ServeOptions {
    std::string root;     // "" or "/" for the real system
    std::string address;  // the mesh address unless --listen says otherwise
    int port = 0;
    HttpServerOptions limits;  // address and port are taken from above
};

// Listens, then serves until `stop` (SIGTERM, SIGINT) and returns after the last connection.
Status serve(const node::NodeConfig& config, const ServeOptions& options,
             node::CommandRunner& runner, const std::atomic<bool>& stop, const LogSink& log);

}  // namespace bundle::peer
