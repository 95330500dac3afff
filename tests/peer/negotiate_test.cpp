#include "peer/negotiate.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "fixture.h"
#include "peer/local_state.h"
#include "support/temp_dir.h"

using namespace bundle;
using namespace std::chrono_literals;
using peer::Answer;
using peer::PeerState;

namespace {

// Answers from a script of rounds; records removal requests.
class ScriptedTransport final : public peer::PeerTransport {
  public:
    std::vector<std::vector<Answer>> rounds;
    std::size_t round = 0;
    std::vector<std::pair<std::string, std::string>> removals;  // member, node
    bool removal_fails = false;
    std::string announcement;         // when set: this node's announcement file, ...
    std::vector<bool> announced;      // ... whether it existed at each round's asking

    std::vector<Answer> ask_all(const node::NodeConfig&) override {
        if (!announcement.empty())
            announced.push_back(std::filesystem::exists(announcement));
        const auto& answers = rounds.at(std::min(round, rounds.size() - 1));
        ++round;
        return answers;
    }
    Result<peer::RemovalOutcome> remove_member(const node::NodeConfig&, const node::Peer& member,
                                               const std::string& node) override {
        removals.emplace_back(member.name, node);
        if (removal_fails)
            return Error{Code::network, member.mesh_ipv4, "HTTP 502: the removal failed"};
        return peer::RemovalOutcome{true, "node " + node + " deleted"};
    }
};

Answer said(int number, PeerState state, bool healthy = false) {
    Answer answer;
    answer.node = "node-" + std::to_string(number);
    answer.address = "127.0.0." + std::to_string(number);
    answer.number = number;
    answer.report =
        peer::PeerReport{"prod", answer.node, state, healthy, test::kDigest, "demo-1.bundle", 1};
    return answer;
}

Answer joining(int number) {
    Answer answer = said(number, PeerState::initialising);
    answer.report->joining = true;
    return answer;
}

Answer unreachable(int number) {
    Answer answer = said(number, PeerState::none);
    answer.report.reset();
    answer.failure = "Connection refused";
    return answer;
}

peer::NegotiateOptions fast(const test::TempDir& root) {
    peer::NegotiateOptions options;
    options.root = root.path().string();
    options.poll_interval = 1ms;
    options.timeout = 5s;
    return options;
}

// negotiate_role as `node` of three_nodes, with fast(root), each line it logs kept in `log`.
Result<peer::Role> negotiate_logged(const std::string& node, const test::TempDir& root,
                                    ScriptedTransport& transport, std::vector<std::string>& log) {
    return peer::negotiate_role(
        test::three_nodes(node), fast(root), [&](const std::string& line) { log.push_back(line); },
        transport);
}

}  // namespace

TEST_CASE(
    "negotiation waits, logging why, until a member is healthy; then removes the stale member and "
    "the old database",
    "[peer][negotiate]") {
    test::TempDir root;
    test::write_file(root / "var/lib/rancher/k3s/server/db/etcd/member/wal", "old");
    ScriptedTransport transport;
    transport.rounds = {{unreachable(1), said(3, PeerState::none)},
                        {said(1, PeerState::member, false), said(3, PeerState::none)},
                        {said(1, PeerState::member, true), said(3, PeerState::none)}};
    std::vector<std::string> log;
    auto role = negotiate_logged("node-2", root, transport, log);
    REQUIRE(role);
    CHECK(role->kind == peer::Role::Kind::join);
    CHECK(role->join_node == "node-1");
    CHECK(role->join_address == "127.0.0.1");
    CHECK(transport.removals ==
          std::vector<std::pair<std::string, std::string>>{{"node-1", "node-2"}});
    CHECK_FALSE(std::filesystem::exists(root / "var/lib/rancher/k3s/server/db"));
    CHECK(std::filesystem::exists(root / "var/lib/rancher/k3s/server"));
    int waits = 0;
    for (const std::string& line : log)
        if (line.rfind("waiting", 0) == 0)
            ++waits;
    CHECK(waits == 2);
}

TEST_CASE("a failed removal makes the node ask again, not join", "[peer][negotiate]") {
    test::TempDir root;
    ScriptedTransport transport;
    transport.rounds = {{said(1, PeerState::member, true), said(3, PeerState::member, true)}};
    transport.removal_fails = true;
    auto options = fast(root);
    options.timeout = 50ms;
    auto role = peer::negotiate_role(
        test::three_nodes("node-2"), options, [](const std::string&) {}, transport);
    REQUIRE_FALSE(role);
    CHECK(role.error().code == Code::network);
    CHECK(transport.removals.size() >= 2);
}

TEST_CASE("the first node initialises when every peer answers none", "[peer][negotiate]") {
    test::TempDir root;
    ScriptedTransport transport;
    transport.rounds = {{said(2, PeerState::none), said(3, PeerState::none)}};
    auto role = peer::negotiate_role(
        test::three_nodes("node-1"), fast(root), [](const std::string&) {}, transport);
    REQUIRE(role);
    CHECK(role->kind == peer::Role::Kind::init);
    CHECK_FALSE(role->forced);
    CHECK(transport.removals.empty());
}

TEST_CASE("waiting ends at the timeout with the last reason", "[peer][negotiate]") {
    test::TempDir root;
    ScriptedTransport transport;
    transport.rounds = {{said(2, PeerState::none), unreachable(3)}};
    auto options = fast(root);
    options.timeout = 30ms;
    auto role = peer::negotiate_role(
        test::three_nodes("node-1"), options, [](const std::string&) {}, transport);
    REQUIRE_FALSE(role);
    CHECK_THAT(role.error().message, Catch::Contains("node-3 (127.0.0.3): unreachable"));
}

TEST_CASE("the force-init marker initialises once, keeping the old database", "[peer][negotiate]") {
    test::TempDir root;
    test::write_file(root / "var/lib/rancher/k3s/server/db/etcd/member/wal", "old");
    REQUIRE(peer::write_force_init_marker(root.path().string()));
    ScriptedTransport transport;
    transport.rounds = {{unreachable(1), said(3, PeerState::member, false)}};
    auto role = peer::negotiate_role(
        test::three_nodes("node-2"), fast(root), [](const std::string&) {}, transport);
    REQUIRE(role);
    CHECK(role->kind == peer::Role::Kind::init);
    CHECK(role->forced);
    CHECK_FALSE(std::filesystem::exists(peer::force_init_marker(root.path().string())));
    CHECK(std::filesystem::exists(root / "var/lib/rancher/k3s/server/db/etcd/member/wal"));
}

TEST_CASE("a node whose own K3s is healthy negotiates nothing", "[peer][negotiate]") {
    test::TempDir root;
    ScriptedTransport transport;
    transport.rounds = {{said(2, PeerState::none), said(3, PeerState::none)}};
    test::FakeRunner runner;
    test::answer_readyz(runner, true);
    auto options = fast(root);
    options.runner = &runner;
    auto role = peer::negotiate_role(
        test::three_nodes("node-1"), options, [](const std::string&) {}, transport);
    REQUIRE_FALSE(role);
    CHECK(transport.round == 0);
}

TEST_CASE("clearing the database never follows a link in its place",
          "[peer][negotiate][security]") {
    test::TempDir root;
    test::write_file(root / "precious/data", "keep");
    std::filesystem::create_directories(root / "var/lib/rancher/k3s/server");
    std::filesystem::create_directory_symlink(root / "precious",
                                              root / "var/lib/rancher/k3s/server/db");
    auto cleared = peer::clear_k3s_database(root.path().string());
    REQUIRE(cleared);
    CHECK(*cleared);
    CHECK(test::read_file(root / "precious/data") == "keep");
    CHECK_FALSE(std::filesystem::exists(
        std::filesystem::symlink_status(root / "var/lib/rancher/k3s/server/db")));
}

namespace {

std::string announcement_of(const test::TempDir& root) {
    return peer::join_announcement(node::StateDir(root.path().string()));
}

bool logged(const std::vector<std::string>& log, const std::string& text) {
    return std::any_of(log.begin(), log.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace

// Issue 12, point 5 (protocol.h, "One join at a time"): a join is announced, then the peers are
// asked again with the announcement in place; only then does the node go ahead, keeping it.
TEST_CASE("a join is announced and checked before it goes ahead, and stays announced",
          "[peer][negotiate]") {
    test::TempDir root;
    ScriptedTransport transport;
    transport.announcement = announcement_of(root);
    transport.rounds = {{said(1, PeerState::member, true), said(3, PeerState::none)}};
    std::vector<std::string> log;
    auto role = negotiate_logged("node-2", root, transport, log);
    REQUIRE(role);
    CHECK(role->kind == peer::Role::Kind::join);
    CHECK(transport.announced == std::vector<bool>{false, true});
    CHECK(transport.removals.size() == 1);
    CHECK(logged(log, "announced that this node joins through node-1"));
    CHECK_THAT(test::read_file(announcement_of(root)), Catch::Contains("through node-1"));
}

TEST_CASE("two nodes that announce together: the lower-numbered keeps its announcement",
          "[peer][negotiate]") {
    test::TempDir root;
    ScriptedTransport transport;
    transport.announcement = announcement_of(root);
    // node-2's view: node-3 announces in the same round, then withdraws on seeing node-2.
    transport.rounds = {{said(1, PeerState::member, true), said(3, PeerState::none)},
                        {said(1, PeerState::member, true), joining(3)},
                        {said(1, PeerState::member, true), said(3, PeerState::none)}};
    std::vector<std::string> log;
    auto role = negotiate_logged("node-2", root, transport, log);
    REQUIRE(role);
    CHECK(role->kind == peer::Role::Kind::join);
    CHECK(transport.announced == std::vector<bool>{false, true, true});
    CHECK(logged(log, "keeping this node's join announcement"));
    CHECK(transport.removals.size() == 1);
}

TEST_CASE("two nodes that announce together: the higher-numbered withdraws and waits its turn",
          "[peer][negotiate]") {
    test::TempDir root;
    ScriptedTransport transport;
    transport.announcement = announcement_of(root);
    // node-3's view: node-2 announces too and goes first; node-3 joins once node-2 is a member.
    transport.rounds = {{said(1, PeerState::member, true), said(2, PeerState::none)},
                        {said(1, PeerState::member, true), joining(2)},
                        {said(1, PeerState::member, true), joining(2)},
                        {said(1, PeerState::member, true), said(2, PeerState::member, true)}};
    std::vector<std::string> log;
    auto role = negotiate_logged("node-3", root, transport, log);
    REQUIRE(role);
    CHECK(role->kind == peer::Role::Kind::join);
    CHECK(role->join_node == "node-1");
    // Announced for round 2, withdrawn for round 3, announced again for round 5 (the check).
    CHECK(transport.announced == std::vector<bool>{false, true, false, false, true});
    CHECK(logged(log, "withdrew this node's join announcement"));
    CHECK(logged(log, "node-2 (127.0.0.2): initialising, joining the cluster"));
    CHECK(transport.removals.size() == 1);
}

TEST_CASE("an announcement does not outlive a negotiation that gives up, nor a crashed one",
          "[peer][negotiate]") {
    test::TempDir root;
    test::write_file(announcement_of(root), "left by a run that crashed\n");
    ScriptedTransport transport;
    transport.announcement = announcement_of(root);
    // node-3 keeps seeing node-2 joining, until the timeout.
    transport.rounds = {{said(1, PeerState::member, true), said(2, PeerState::none)},
                        {said(1, PeerState::member, true), joining(2)}};
    auto options = fast(root);
    options.timeout = 50ms;
    auto role = peer::negotiate_role(
        test::three_nodes("node-3"), options, [](const std::string&) {}, transport);
    REQUIRE_FALSE(role);
    CHECK_THAT(role.error().message, Catch::Contains("joining the cluster"));
    CHECK(transport.announced.at(0) == false);  // the crashed run's was withdrawn first
    CHECK_FALSE(std::filesystem::exists(announcement_of(root)));
    CHECK(transport.removals.empty());
}
