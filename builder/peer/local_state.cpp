#include "peer/local_state.h"

#include <sys/stat.h>

namespace bundle::peer {
namespace {

bool exists_no_follow(const std::string& path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0;
}

}  // namespace

std::string k3s_database_dir(const node::StateDir& dir) {
    return dir.under_root("/var/lib/rancher/k3s/server/db");
}

bool k3s_healthy(node::CommandRunner& runner) {
    node::Command command = node::k3s_kubectl({"get", "--raw=/readyz", "--request-timeout=5s"});
    auto result = runner.run(command, [](std::string_view) {});
    return result && result->exit_code == 0 && node::last_line(result->output) == "ok";
}

std::string join_announcement(const node::StateDir& dir) {
    return dir.dir + "/joining";
}

LocalState probe_local_state(const node::NodeConfig& config, const node::StateDir& dir,
                             node::CommandRunner& runner) {
    return probe_local_state(config, dir, k3s_healthy(runner));
}

LocalState probe_local_state(const node::NodeConfig& config, const node::StateDir& dir,
                             bool healthy) {
    LocalState local;
    PeerReport& report = local.report;
    report.cluster = config.cluster;
    report.node = config.self;
    report.settings_digest = config.settings_digest;
    report.bundle_file = config.bundle.file;
    report.bundle_version = config.bundle.version;
    report.healthy = healthy;
    bool database = exists_no_follow(k3s_database_dir(dir));
    bool announced = exists_no_follow(join_announcement(dir));

    auto state = node::read_state(dir);
    if (!state) {
        report.state = PeerState::initialising;
        report.joining = announced;
        local.detail = "the install's record is unreadable (" + state.error().describe() +
                       "); not claiming none";
        return local;
    }
    if (!state->bundle_file.empty()) {
        report.bundle_file = state->bundle_file;
        report.bundle_version = state->bundle_version;
    }
    std::string health =
        report.healthy ? "K3s answers /readyz ok" : "K3s does not answer /readyz ok";
    if (state->done("k3s")) {
        report.state = PeerState::member;
        local.detail =
            "the K3s phase is done (" +
            (state->role.empty() ? std::string("no role recorded") : "role " + state->role) +
            "); " + health;
    } else if (report.healthy) {
        report.state = PeerState::member;
        local.detail = health + " although the install has not recorded the K3s phase as done";
    } else if (!state->role.empty() || database || announced) {
        report.state = PeerState::initialising;
        report.joining = announced || state->role == "join";
        local.detail =
            std::string(database ? "a K3s database exists"
                        : announced && state->role.empty() ? "this node announced that it joins"
                                                           : "the install took its role") +
            (state->role.empty() ? "" : " (role " + state->role + ")") +
            (report.joining ? ", joining" : "") + "; " + health;
    } else {
        report.state = PeerState::none;
        local.detail = "no K3s database, no K3s role recorded, " + health;
    }
    return local;
}

}  // namespace bundle::peer
