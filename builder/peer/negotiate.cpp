#include "peer/negotiate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <thread>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "core/safe_fs.h"
#include "node/old_database.h"
#include "node/state.h"
#include "peer/local_state.h"

namespace bundle::peer {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<long long> environment_number(const char* name) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0')
        return std::nullopt;
    char* end = nullptr;
    long long value = std::strtoll(text, &end, 10);
    if (*end != '\0' || value < 0)
        return std::nullopt;
    return value;
}

bool marker_exists(const std::string& root) {
    struct stat info {};
    return ::lstat(force_init_marker(root).c_str(), &info) == 0;
}

// Sleeps `interval`, waking early for `stop`.
void pause(std::chrono::milliseconds interval, const std::atomic<bool>* stop) {
    Clock::time_point until = Clock::now() + interval;
    while (Clock::now() < until) {
        if (stop != nullptr && stop->load())
            return;
        std::this_thread::sleep_for(
            std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(100)));
    }
}

std::string duration_text(std::chrono::milliseconds duration) {
    auto ms = duration.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

void log_answers(const std::vector<Answer>& answers, const LogSink& log) {
    for (const Answer& answer : answers) log("peer " + describe(answer));
}

Result<Role> forced_init(const Decision& decision, const std::string& root, bool from_marker,
                         const LogSink& log) {
    log("WARNING: initialising a new cluster by force (--force-init, disaster recovery): the "
        "other nodes did not agree. Every node that still holds the old cluster must be "
        "reinstalled and join this one.");
    if (from_marker && ::unlink(force_init_marker(root).c_str()) != 0 && errno != ENOENT)
        return system_error(Code::io, force_init_marker(root),
                            "cannot remove the force-init marker", errno);
    Role role;
    role.kind = Role::Kind::init;
    role.forced = true;
    role.reason = decision.reason;
    return role;
}

// This node's announcement that it joins (protocol.h, "One join at a time"): the file its own
// server reads on every /v1/state. Written before the check round; withdrawn when the node waits
// instead, or gives up (the destructor); kept when the join goes ahead, so that the node answers
// `joining` until it is a member.
class Announcement {
  public:
    Announcement(const std::string& root, const LogSink& log)
        : path_(join_announcement(node::StateDir(root))), root_(root), log_(log) {}
    Announcement(const Announcement&) = delete;
    Announcement& operator=(const Announcement&) = delete;
    ~Announcement() {
        if (active_)
            if (Status s = withdraw(); !s)
                log_("cannot withdraw this node's join announcement: " + s.error().describe());
    }

    bool active() const { return active_; }

    Status announce(const std::string& member) {
        BUNDLE_TRY(node::ensure_state_dir(node::StateDir(root_)));
        BUNDLE_TRY(write_file_atomically(
            path_, "this node joins the cluster through " + member + ", announced at " +
                       node::utc_now() + "\n",
            0600));
        active_ = true;
        return {};
    }

    // Also removes an announcement a former run left (a crash between announcing and joining).
    Status withdraw() {
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
            return system_error(Code::io, path_, "cannot remove the join announcement", errno);
        active_ = false;
        return {};
    }

    void keep() { active_ = false; }

  private:
    std::string path_;
    std::string root_;
    const LogSink& log_;
    bool active_ = false;
};

// True when every node that holds this node's join up is higher-numbered: this node keeps its
// announcement and goes first; they withdraw theirs.
bool goes_first(const node::NodeConfig& config, const Decision& decision) {
    if (decision.joining.empty())
        return false;
    int mine = config.me().number;
    return std::all_of(decision.joining.begin(), decision.joining.end(),
                       [&](const std::string& name) {
                           return std::any_of(config.nodes.begin(), config.nodes.end(),
                                              [&](const node::Peer& p) {
                                                  return p.name == name && p.number > mine;
                                              });
                       });
}

}  // namespace

NegotiateOptions negotiate_options_from_environment() {
    NegotiateOptions options;
    if (auto ms = environment_number("BUNDLE_PEER_POLL_MS"))
        options.poll_interval = std::chrono::milliseconds(*ms);
    if (auto s = environment_number("BUNDLE_PEER_TIMEOUT_S"))
        options.timeout = std::chrono::seconds(*s);
    return options;
}

std::string force_init_marker(const std::string& root) {
    return node::StateDir(root).force_init_marker();
}

Status write_force_init_marker(const std::string& root) {
    BUNDLE_TRY(node::ensure_state_dir(node::StateDir(root)));
    return write_file_atomically(force_init_marker(root),
                                 "written by `bundle node bootstrap --force-init` at " +
                                     node::utc_now() +
                                     ": the next negotiation initialises a new cluster\n",
                                 0600);
}

Result<bool> clear_k3s_database(const std::string& root) {
    // Set aside, never deleted: its snapshots may be the only copy left (node/old_database.h).
    auto aside = node::set_database_aside(node::StateDir(root).root, node::database_stamp());
    if (!aside)
        return std::move(aside).error();
    return aside->moved;
}

Result<Decision> decide_once(const node::NodeConfig& config, bool force_init,
                             PeerTransport& transport, const LogSink& log) {
    std::vector<Answer> answers = transport.ask_all(config);
    log_answers(answers, log);
    return decide(config, answers, force_init);
}

Result<Role> negotiate_role(const node::NodeConfig& config, const NegotiateOptions& options,
                            const LogSink& log) {
    auto transport = http_transport(options.client);
    return negotiate_role(config, options, log, *transport);
}

Result<Role> negotiate_role(const node::NodeConfig& config, const NegotiateOptions& options,
                            const LogSink& log, PeerTransport& transport) {
    if (options.runner != nullptr && k3s_healthy(*options.runner))
        return Error{
            Code::usage, config.self,
            "K3s on this node answers healthy: it is a cluster member already, there is no role to "
            "negotiate"};
    bool from_marker = !options.force_init && marker_exists(options.root);
    bool force = options.force_init || from_marker;
    if (from_marker)
        log("found " + force_init_marker(options.root) + ": initialisation is forced");

    // This node is negotiating, so it is not joining (yet): an announcement left by a former
    // run must not hold the others up.
    Announcement announcement(options.root, log);
    BUNDLE_TRY(announcement.withdraw());

    Clock::time_point started = Clock::now();
    for (unsigned round = 1;; ++round) {
        // Each peer's answer is logged when the round decides; a waiting round logs its reason,
        // which names every peer that holds the decision up.
        std::vector<Answer> answers = transport.ask_all(config);
        auto decision = decide(config, answers, force);
        if (!decision) {
            log_answers(answers, log);
            return std::move(decision).error();
        }
        if (decision->kind != Decision::Kind::wait)
            log_answers(answers, log);

        if (decision->kind == Decision::Kind::init) {
            if (force)
                return forced_init(*decision, options.root, from_marker, log);
            log("decision: initialise the cluster: " + decision->reason);
            return Role{Role::Kind::init, "", "", false, decision->reason};
        }
        if (decision->kind == Decision::Kind::join && !announcement.active()) {
            // Step a of "One join at a time": announce, then ask again at once (step b).
            BUNDLE_TRY(announcement.announce(decision->join_node));
            log("announced that this node joins through " + decision->join_node +
                "; asking the peers again before going ahead");
            continue;
        }
        if (decision->kind == Decision::Kind::join) {
            log("decision: join through " + decision->join_node + " (" + decision->join_address +
                "): " + decision->reason);
            const node::Peer* member = nullptr;
            for (const node::Peer& peer : config.nodes)
                if (peer.name == decision->join_node)
                    member = &peer;
            auto removed = transport.remove_member(config, *member, config.self);
            if (removed) {
                log(decision->join_node + " on a stale member of " + config.self + ": " +
                    removed->detail);
                if (options.clear_database) {
                    auto cleared = clear_k3s_database(options.root);
                    if (!cleared)
                        return std::move(cleared).error();
                    if (*cleared)
                        log("set this node's old K3s database aside (K3s would refuse to "
                            "rejoin with it; its snapshots are kept)");
                }
                announcement.keep();
                return Role{Role::Kind::join, decision->join_node, decision->join_address, false,
                            decision->reason};
            }
            log("waiting (round " + std::to_string(round) + "): " + decision->join_node +
                " did not remove the stale member of " + config.self + ": " +
                removed.error().describe());
            BUNDLE_TRY(announcement.withdraw());
        } else {
            if (announcement.active() && goes_first(config, *decision)) {
                log("keeping this node's join announcement: the other nodes announcing are "
                    "higher-numbered and go after it");
            } else if (announcement.active()) {
                BUNDLE_TRY(announcement.withdraw());
                log("withdrew this node's join announcement");
            }
            log("waiting (round " + std::to_string(round) + "): " + decision->reason);
        }

        if (options.stop != nullptr && options.stop->load())
            return Error{Code::usage, config.self, "interrupted while waiting for the peers"};
        if (options.timeout.count() > 0 && Clock::now() - started >= options.timeout)
            return Error{Code::network, config.self,
                         "no role after " + duration_text(options.timeout) +
                             " of asking the peers; last: " + decision->reason};
        pause(options.poll_interval, options.stop);
    }
}

}  // namespace bundle::peer
