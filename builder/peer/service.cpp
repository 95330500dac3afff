#include "peer/service.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>

#include "peer/bundle_files.h"
#include "peer/member_removal.h"
#include "node/state.h"
#include "peer/removal_auth.h"
#include "peer/report_json.h"

namespace bundle::peer {
namespace {

constexpr auto kProbeReuse = std::chrono::seconds(1);

HttpResponse json_response(int status, const nlohmann::json& body) {
    HttpResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "application/json");
    response.headers.emplace_back("Cache-Control", "no-store");
    // Messages can quote a command's output: bytes that are not UTF-8 are replaced, not thrown.
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return response;
}

HttpResponse json_error(int status, const std::string& message) {
    return json_response(status, {{"error", message}});
}

}  // namespace

std::int64_t system_seconds() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string AgentService::nonce_path(const node::StateDir& dir) {
    return dir.dir + "/peer-nonces";
}

Result<std::unique_ptr<AgentService>> AgentService::create(const node::NodeConfig& config,
                                                           node::StateDir dir,
                                                           node::CommandRunner& runner, LogSink log,
                                                           SecondsClock now) {
    auto key = removal_key(config.k3s_token);
    if (!key)
        return std::move(key).error();
    return std::unique_ptr<AgentService>(new AgentService(
        config, std::move(dir), runner, std::move(log), std::move(now), std::move(*key)));
}

AgentService::AgentService(const node::NodeConfig& config, node::StateDir dir,
                           node::CommandRunner& runner, LogSink log, SecondsClock now,
                           std::string key)
    : config_(config),
      dir_(std::move(dir)),
      runner_(runner),
      log_(std::move(log)),
      now_(std::move(now)),
      key_(std::move(key)),
      nonces_(nonce_path(dir_), kRemovalWindowSeconds) {}

HttpResponse AgentService::handle(const HttpRequest& request) {
    const std::string& target = request.target;
    if (target.rfind(kBundlePrefix, 0) == 0)
        return serve_bundle_file(dir_.bundles(), request);
    if (target == "/v1/state")
        return state(request);
    if (target == kRemovePath)
        return remove(request);
    return json_error(404, "no such resource");
}

LocalState AgentService::current_state() {
    bool healthy = false;
    {
        std::lock_guard lock(probe_mutex_);
        auto now = std::chrono::steady_clock::now();
        if (!probed_healthy_ || now - probed_at_ >= kProbeReuse) {
            probed_healthy_ = k3s_healthy(runner_);
            probed_at_ = std::chrono::steady_clock::now();
        }
        healthy = *probed_healthy_;
    }
    // The files are read at every request: a join announced a moment ago must be in the very
    // next answer (protocol.h, "One join at a time").
    return probe_local_state(config_, dir_, healthy);
}

HttpResponse AgentService::state(const HttpRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse response = json_error(405, "only GET and HEAD");
        response.headers.emplace_back("Allow", "GET, HEAD");
        return response;
    }
    LocalState local = current_state();
    HttpResponse response;
    response.headers.emplace_back("Content-Type", "application/json");
    response.headers.emplace_back("Cache-Control", "no-store");
    response.body = report_to_json(local.report, local.detail);
    return response;
}

HttpResponse AgentService::remove(const HttpRequest& request) {
    if (request.method != "POST") {
        HttpResponse response = json_error(405, "only POST");
        response.headers.emplace_back("Allow", "POST");
        return response;
    }
    auto parsed = parse_removal(request.body);
    if (!parsed)
        return json_error(400, parsed.error().message);
    const RemovalRequest& removal = *parsed;
    std::string about = "removal of " + removal.node + " asked by " + request.peer;
    // Before the MAC: a request made for another member is refused as such, whatever its MAC;
    // the MAC then covers this node's own name and address (removal_auth.h).
    const node::Peer& self = config_.me();
    if (removal.receiver != self.name || removal.receiver_address != self.mesh_ipv4) {
        log_(about + ": refused, it is addressed to " + removal.receiver + " (" +
             removal.receiver_address + ")");
        return json_error(403, "this request is addressed to " + removal.receiver + " (" +
                                   removal.receiver_address + "), this node is " + self.name +
                                   " (" + self.mesh_ipv4 + ")");
    }
    if (!mac_matches(key_, removal)) {
        log_(about + ": refused, authentication failed");
        return json_error(401, "authentication failed");
    }
    std::int64_t now = now_();
    if (removal.timestamp < now - kRemovalWindowSeconds ||
        removal.timestamp > now + kRemovalWindowSeconds) {
        log_(about + ": refused, its timestamp is " + std::to_string(removal.timestamp - now) +
             " s from this clock");
        return json_error(403, "the timestamp is more than " +
                                   std::to_string(kRemovalWindowSeconds) +
                                   " s from this node's clock");
    }
    if (removal.node == config_.self) {
        log_(about + ": refused, it names this node");
        return json_error(403, "this node does not remove itself");
    }
    bool known = std::any_of(config_.nodes.begin(), config_.nodes.end(),
                             [&](const node::Peer& p) { return p.name == removal.node; });
    if (!known) {
        log_(about + ": refused, not a node of this cluster");
        return json_error(404, "not a node of this cluster");
    }
    auto fresh = nonces_.claim(removal.nonce, removal.timestamp, now);
    if (!fresh) {
        log_(about + ": refused, " + fresh.error().describe());
        return json_error(500, "cannot record the request's nonce");
    }
    if (!*fresh) {
        log_(about + ": refused, a replay (its nonce was used before)");
        return json_error(409, "replayed request: this nonce was used before");
    }
    if (current_state().report.state != PeerState::member) {
        log_(about + ": refused, this node is not a cluster member");
        return json_error(409, "this node is not a cluster member");
    }

    std::lock_guard lock(removal_mutex_);
    log_(about + ": authenticated; removing");
    auto outcome = remove_stale_member(runner_, removal.node, log_);
    if (!outcome) {
        log_(about + ": failed: " + outcome.error().describe());
        return json_error(502, "the removal failed: " + outcome.error().describe());
    }
    log_(about + ": " + outcome->detail);
    return json_response(
        200, {{"node", removal.node}, {"removed", outcome->removed}, {"detail", outcome->detail}});
}

Status serve(const node::NodeConfig& config, const ServeOptions& options,
             node::CommandRunner& runner, const std::atomic<bool>& stop, const LogSink& log) {
    node::StateDir dir(options.root);
    BUNDLE_TRY(node::ensure_state_dir(dir));
    auto service = AgentService::create(config, dir, runner, log);
    if (!service)
        return std::move(service).error();
    HttpServerOptions limits = options.limits;
    limits.address = options.address;
    limits.port = options.port;
    auto server = HttpServer::listen(limits);
    if (!server)
        return std::move(server).error();
    log("serving " + dir.bundles() + " and this node's state on " + options.address + ":" +
        std::to_string(server->port()));
    AgentService& handler = **service;
    server->serve([&handler](const HttpRequest& request) { return handler.handle(request); }, stop,
                  log);
    log("stopped");
    return {};
}

}  // namespace bundle::peer
