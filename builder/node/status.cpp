#include "node/status.h"

#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace bundle::node {
namespace {

using nlohmann::json;

constexpr std::size_t kJournalTail = 10;

Check run_check(CommandRunner& runner, std::string name, Command command) {
    Check check{std::move(name), false, {}};
    auto result = runner.run(command, {});
    if (!result) {
        check.detail = "unknown: " + result.error().describe();
        return check;
    }
    check.ok = result->exit_code == 0;
    check.detail = last_line(result->output);
    if (check.detail.empty()) check.detail = check.ok ? "yes" : "exit status " + std::to_string(result->exit_code);
    return check;
}

// Each question waits at most 5 s, so that status answers even while K3s does not.
Command kubectl(std::vector<std::string> args) {
    args.insert(args.begin(), "--request-timeout=5s");
    return k3s_kubectl(std::move(args));
}

std::vector<std::string> journal_tail(const StateDir& dir) {
    std::ifstream in(dir.journal());
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
        if (lines.size() > kJournalTail) lines.pop_front();
    }
    return {lines.begin(), lines.end()};
}

void collect_handshakes(const NodeConfig& config, const WireguardReader& wireguard, NodeReport& report,
                        std::int64_t now) {
    auto peers = wireguard(config.mesh_interface);
    if (!peers) {
        report.handshakes_note = "unknown: " + peers.error().describe();
        return;
    }
    for (const WireguardPeer& peer : *peers) {
        std::string name = peer.public_key;
        for (const auto& node : config.nodes)
            if (node.wireguard_public_key == peer.public_key) name = node.name;
        std::int64_t latest = peer.last_handshake;
        report.handshakes.push_back({name, latest, latest == 0 ? 0 : now - latest});
    }
    if (report.handshakes.empty()) report.handshakes_note = "no peers on " + config.mesh_interface;
}

}  // namespace

std::string describe_handshake(const HandShake& handshake) {
    if (handshake.latest == 0) return "never";
    std::int64_t left = handshake.seconds_ago < 0 ? -handshake.seconds_ago : handshake.seconds_ago;
    constexpr std::int64_t kMinute = 60, kHour = 60 * kMinute, kDay = 24 * kHour;
    auto two = [](std::int64_t big, const char* big_unit, std::int64_t small, const char* small_unit) {
        return std::to_string(big) + " " + big_unit + (small > 0 ? " " + std::to_string(small) + " " + small_unit : "");
    };
    std::string span = left >= kDay    ? two(left / kDay, "d", left % kDay / kHour, "h")
                       : left >= kHour ? two(left / kHour, "h", left % kHour / kMinute, "min")
                       : left >= kMinute ? two(left / kMinute, "min", left % kMinute, "s")
                                         : std::to_string(left) + " s";
    return handshake.seconds_ago < 0 ? span + " in the future (the clock was set back since)" : span + " ago";
}

Result<NodeReport> collect_report(const NodeConfig& config, const StateDir& dir, CommandRunner& runner,
                                  const WireguardReader& wireguard, std::int64_t now) {
    NodeReport report;
    report.node = config.self;
    report.cluster = config.cluster;
    auto state = read_state(dir);
    if (!state) return std::move(state).error();
    report.state = *state;
    collect_handshakes(config, wireguard, report, now);
    report.checks.push_back(run_check(runner, "k3s-ready", kubectl({"get", "--raw=/readyz"})));
    if (report.checks.back().ok) {
        auto nodes = runner.run(kubectl({"get", "nodes", "--no-headers"}), {});
        if (nodes && nodes->exit_code == 0) {
            std::istringstream lines(nodes->output);
            for (std::string line; std::getline(lines, line);)
                if (!line.empty()) report.k3s_nodes.push_back(line);
        }
        report.checks.push_back(run_check(
            runner, "cilium", kubectl({"-n", "kube-system", "rollout", "status", "daemonset/cilium", "--timeout=5s"})));
        report.checks.push_back(run_check(
            runner, "argocd", kubectl({"-n", "argocd", "rollout", "status", "deployment/argocd-server", "--timeout=5s"})));
    }
    report.journal_tail = journal_tail(dir);
    return report;
}

std::string report_json(const NodeReport& report) {
    const InstallState& s = report.state;
    json checks = json::object();
    for (const auto& check : report.checks) checks[check.name] = {{"ok", check.ok}, {"detail", check.detail}};
    json handshakes = json::array();
    for (const auto& h : report.handshakes)
        handshakes.push_back({{"peer", h.peer},
                              {"latest", h.latest},
                              {"seconds_ago", h.latest == 0 ? json(nullptr) : json(h.seconds_ago)}});
    json peers = json::array();
    for (const auto& p : report.peers) {
        json one = {{"node", p.node}, {"address", p.address}, {"reachable", p.failure.empty()}};
        if (p.failure.empty()) {
            one.update({{"state", p.state}, {"healthy", p.healthy}, {"same_settings", p.same_settings}, {"bundle", p.bundle}});
        } else {
            one["failure"] = p.failure;
        }
        peers.push_back(std::move(one));
    }
    json doc = {
        {"node", report.node},
        {"cluster", report.cluster},
        {"bundle", {{"file", s.bundle_file}, {"version", s.bundle_version}, {"sha256", s.bundle_sha256}}},
        {"phases_done", s.phases_done},
        {"phase", s.phase},
        {"last_error", s.last_error},
        {"installed", s.installed_version ? json{{"version", *s.installed_version}, {"sha256", s.installed_sha256}}
                                          : json(nullptr)},
        {"role", s.role},
        {"joined", s.joined},
        {"updated", s.updated},
        {"mesh", {{"handshakes", handshakes}, {"note", report.handshakes_note}}},
        {"k3s_nodes", report.k3s_nodes},
        {"checks", checks},
        {"peers", peers},
    };
    return doc.dump(2) + "\n";
}

std::string report_text(const NodeReport& report) {
    const InstallState& s = report.state;
    std::ostringstream out;
    out << "node " << report.node << " of cluster " << report.cluster << "\n";
    if (s.bundle_file.empty()) {
        out << "install:   not started\n";
    } else {
        out << "bundle:    " << s.bundle_file << " (version " << s.bundle_version << ")\n";
        std::string done;
        for (const auto& p : s.phases_done) done += (done.empty() ? "" : ", ") + p;
        out << "phases:    " << (done.empty() ? "none done" : done) << "\n";
        if (!s.phase.empty()) out << "phase:     " << s.phase << (s.last_error.empty() ? " (running or interrupted)" : " (failed)") << "\n";
        if (!s.last_error.empty()) out << "error:     " << s.last_error << "\n";
    }
    out << "installed: " << (s.installed_version ? "version " + std::to_string(*s.installed_version) : std::string("nothing yet")) << "\n";
    if (!s.role.empty()) out << "role:      " << (s.role == "init" ? "initialised the cluster" : "joined through " + s.joined) << "\n";
    out << "mesh:\n";
    for (const auto& h : report.handshakes)
        out << "  " << h.peer << ": latest handshake " << describe_handshake(h) << "\n";
    if (!report.handshakes_note.empty()) out << "  " << report.handshakes_note << "\n";
    for (const auto& check : report.checks) out << "check " << check.name << ": " << (check.ok ? "ok" : "no") << " (" << check.detail << ")\n";
    if (!report.peers.empty()) out << "peers (what each says of itself):\n";
    for (const auto& p : report.peers) {
        out << "  " << p.node << " (" << p.address << "): ";
        if (!p.failure.empty()) {
            out << "unreachable: " << p.failure << "\n";
            continue;
        }
        out << p.state << (p.state == "member" ? (p.healthy ? ", healthy" : ", not healthy") : "")
            << (p.same_settings ? "" : ", OTHER SETTINGS (it cannot share a cluster with this node)")
            << (p.bundle.empty() ? "" : ", " + p.bundle) << "\n";
    }
    if (!report.k3s_nodes.empty()) {
        out << "k3s nodes:\n";
        for (const auto& line : report.k3s_nodes) out << "  " << line << "\n";
    }
    if (!report.journal_tail.empty()) {
        out << "journal (last lines):\n";
        for (const auto& line : report.journal_tail) out << "  " << line << "\n";
    }
    return out.str();
}

}  // namespace bundle::node
