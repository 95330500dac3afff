#include "peer/protocol.h"

#include <algorithm>
#include <climits>

namespace bundle::peer {
namespace {

// An answer as decide() uses it: a report it can trust to be about the configured peer, or a
// sentence saying why not.
struct Checked {
    const node::Peer* peer = nullptr;
    const PeerReport* report = nullptr;  // null when unreachable or about someone else
    std::string said;                    // what the peer said, for reasons
};

std::string name_and_address(const node::Peer& peer) {
    return peer.name + " (" + peer.mesh_ipv4 + ")";
}

Checked check(const node::NodeConfig& config, const node::Peer& peer,
              const std::vector<Answer>& answers) {
    Checked checked;
    checked.peer = &peer;
    auto found = std::find_if(answers.begin(), answers.end(),
                              [&](const Answer& a) { return a.node == peer.name; });
    if (found == answers.end()) {
        checked.said = name_and_address(peer) + ": not asked";
        return checked;
    }
    checked.said = describe(*found);
    if (!found->report)
        return checked;
    const PeerReport& report = *found->report;
    if (report.cluster != config.cluster || report.node != peer.name) {
        checked.said = name_and_address(peer) + ": answered as node \"" + report.node +
                       "\" of cluster \"" + report.cluster + "\", expected \"" + peer.name +
                       "\" of \"" + config.cluster + "\"";
        return checked;
    }
    checked.report = &report;
    return checked;
}

std::string join_reasons(const std::vector<Checked>& peers) {
    std::string text;
    for (const Checked& c : peers) {
        if (!text.empty())
            text += "; ";
        text += c.said;
    }
    return text.empty() ? "no other node is configured" : text;
}

}  // namespace

const char* state_name(PeerState state) {
    switch (state) {
        case PeerState::none:
            return "none";
        case PeerState::initialising:
            return "initialising";
        case PeerState::member:
            return "member";
    }
    return "none";
}

std::optional<PeerState> parse_state(const std::string& name) {
    if (name == "none")
        return PeerState::none;
    if (name == "initialising")
        return PeerState::initialising;
    if (name == "member")
        return PeerState::member;
    return std::nullopt;
}

std::string describe(const Answer& answer) {
    std::string text = answer.node + " (" + answer.address + "): ";
    if (!answer.report)
        return text + "unreachable: " + answer.failure;
    const PeerReport& r = *answer.report;
    text += state_name(r.state);
    if (r.state == PeerState::member)
        text += r.healthy ? ", healthy" : ", not healthy";
    if (r.state == PeerState::none)
        text += " (no cluster)";
    if (r.joining)
        text += ", joining the cluster";
    return text;
}

node::PeerView view_of(const Answer& answer, const std::string& our_digest) {
    node::PeerView view{answer.node, answer.address, answer.failure, {}, false, false, {}};
    if (!answer.report) {
        if (view.failure.empty()) view.failure = "no answer";
        return view;
    }
    const PeerReport& r = *answer.report;
    view.state = state_name(r.state);
    view.healthy = r.healthy;
    view.same_settings = r.settings_digest == our_digest;
    if (!r.bundle_file.empty()) view.bundle = r.bundle_file + " (version " + std::to_string(r.bundle_version) + ")";
    return view;
}

Result<Decision> decide(const node::NodeConfig& config, const std::vector<Answer>& answers,
                        bool force_init) {
    const node::Peer* self = nullptr;
    int lowest = INT_MAX;
    for (const node::Peer& peer : config.nodes) {
        if (peer.name == config.self)
            self = &peer;
        lowest = std::min(lowest, peer.number);
    }
    if (self == nullptr)
        return Error{Code::invalid_input, config.path,
                     "this node, \"" + config.self + "\", is not in its nodes list"};

    std::vector<Checked> peers;
    for (const node::Peer& peer : config.nodes)
        if (peer.name != config.self)
            peers.push_back(check(config, peer, answers));

    // Rule 1: a member with other must-match settings is never joined, and stops everything.
    for (const Checked& c : peers) {
        if (c.report == nullptr || c.report->state != PeerState::member)
            continue;
        if (c.report->settings_digest == config.settings_digest)
            continue;
        return Error{Code::refused, name_and_address(*c.peer),
                     "this cluster member's must-match K3s settings have digest " +
                         c.report->settings_digest + ", this node's (" + config.self + ") have " +
                         config.settings_digest +
                         ": refusing to join it; render this node's user-data from the cluster "
                         "definition the "
                         "cluster runs with"};
    }

    // Rule 2: join a healthy member with our settings, the lowest-numbered of them.
    const Checked* chosen = nullptr;
    for (const Checked& c : peers) {
        if (c.report == nullptr || c.report->state != PeerState::member || !c.report->healthy)
            continue;
        if (chosen == nullptr || c.peer->number < chosen->peer->number)
            chosen = &c;
    }
    if (chosen != nullptr && force_init)
        return Error{Code::usage, name_and_address(*chosen->peer),
                     "refusing --force-init: this node is a healthy cluster member, so the cluster "
                     "exists; join "
                     "it (bootstrap without --force-init) instead of founding a second cluster"};
    if (chosen != nullptr) {
        // One join at a time (etcd admits one learner): wait while another node joins.
        std::vector<Checked> joining;
        for (const Checked& c : peers)
            if (c.report != nullptr && c.report->joining && c.report->state != PeerState::member)
                joining.push_back(c);
        if (!joining.empty()) {
            Decision d;
            d.kind = Decision::Kind::wait;
            for (const Checked& c : joining) d.joining.push_back(c.peer->name);
            d.reason = name_and_address(*chosen->peer) +
                       " is a healthy member to join, but another node is joining the cluster "
                       "(etcd admits one new member, a learner, at a time): " +
                       join_reasons(joining);
            return d;
        }
        Decision d;
        d.kind = Decision::Kind::join;
        d.join_node = chosen->peer->name;
        d.join_address = chosen->peer->mesh_ipv4;
        d.reason = name_and_address(*chosen->peer) +
                   " is a healthy member with the same must-match settings";
        return d;
    }

    if (force_init) {
        Decision d;
        d.kind = Decision::Kind::init;
        d.reason = "initialisation forced (--force-init, disaster recovery); peers: " +
                   join_reasons(peers);
        return d;
    }

    // Rule 3: every other node holds no cluster, and this one is the lowest-numbered.
    bool all_none = std::all_of(peers.begin(), peers.end(), [](const Checked& c) {
        return c.report != nullptr && c.report->state == PeerState::none;
    });
    if (all_none && self->number == lowest) {
        Decision d;
        d.kind = Decision::Kind::init;
        d.reason = peers.empty()
                       ? "this is the only configured node"
                       : "every other node answers that it holds no cluster, and this node (" +
                             config.self + ", number " + std::to_string(self->number) +
                             ") is the lowest-numbered";
        return d;
    }

    // Rule 4: wait, saying why.
    Decision d;
    d.kind = Decision::Kind::wait;
    if (all_none) {
        auto first = std::find_if(config.nodes.begin(), config.nodes.end(),
                                  [&](const node::Peer& p) { return p.number == lowest; });
        d.reason = "no node holds a cluster yet; " + name_and_address(*first) +
                   ", the lowest-numbered, is the one to initialise it";
        return d;
    }
    std::vector<Checked> blocking;
    for (const Checked& c : peers)
        if (c.report == nullptr || c.report->state != PeerState::none)
            blocking.push_back(c);
    d.reason = "no healthy member to join and not every node answers that it holds no cluster: " +
               join_reasons(blocking);
    return d;
}

}  // namespace bundle::peer
