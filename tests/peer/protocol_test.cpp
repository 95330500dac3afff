#include "peer/protocol.h"

#include <catch2/catch.hpp>

#include "fixture.h"

using namespace bundle;
using peer::Answer;
using peer::Decision;
using peer::PeerReport;
using peer::PeerState;

namespace {

Answer said(int number, PeerState state, bool healthy = false,
            const std::string& digest = test::kDigest) {
    Answer answer;
    answer.node = "node-" + std::to_string(number);
    answer.address = "127.0.0." + std::to_string(number);
    answer.number = number;
    PeerReport report;
    report.cluster = "prod";
    report.node = answer.node;
    report.state = state;
    report.healthy = healthy;
    report.settings_digest = digest;
    answer.report = report;
    return answer;
}

Answer unreachable(int number) {
    Answer answer;
    answer.node = "node-" + std::to_string(number);
    answer.address = "127.0.0." + std::to_string(number);
    answer.number = number;
    answer.failure = "Connection refused";
    return answer;
}

Decision decided(const std::string& self, const std::vector<Answer>& answers, bool force = false) {
    auto decision = peer::decide(test::three_nodes(self), answers, force);
    REQUIRE(decision);
    return *decision;
}

}  // namespace

TEST_CASE("all fresh: the lowest-numbered node initialises, the others wait for it",
          "[peer][protocol]") {
    Decision first = decided("node-1", {said(2, PeerState::none), said(3, PeerState::none)});
    CHECK(first.kind == Decision::Kind::init);
    CHECK_THAT(first.reason, Catch::Contains("lowest-numbered"));

    Decision second = decided("node-2", {said(1, PeerState::none), said(3, PeerState::none)});
    CHECK(second.kind == Decision::Kind::wait);
    CHECK_THAT(second.reason, Catch::Contains("node-1 (127.0.0.1)"));
}

TEST_CASE("first node late: the others wait, naming it unreachable", "[peer][protocol]") {
    Decision d = decided("node-3", {unreachable(1), said(2, PeerState::none)});
    CHECK(d.kind == Decision::Kind::wait);
    CHECK_THAT(d.reason, Catch::Contains("node-1 (127.0.0.1): unreachable: Connection refused"));
}

TEST_CASE("a peer unreachable while the first node boots: it waits, never initialises",
          "[peer][protocol][safety]") {
    Decision d = decided("node-1", {said(2, PeerState::none), unreachable(3)});
    CHECK(d.kind == Decision::Kind::wait);
    CHECK_THAT(d.reason, Catch::Contains("node-3 (127.0.0.3): unreachable"));
    // And with no answer at all for a configured peer.
    CHECK(decided("node-1", {said(2, PeerState::none)}).kind == Decision::Kind::wait);
}

TEST_CASE("reinstalled first node joins the running cluster instead of founding one",
          "[peer][protocol][safety]") {
    Decision d =
        decided("node-1", {said(2, PeerState::member, true), said(3, PeerState::member, true)});
    CHECK(d.kind == Decision::Kind::join);
    CHECK(d.join_node == "node-2");
    CHECK(d.join_address == "127.0.0.2");
}

TEST_CASE("a reinstalled node joins the lowest-numbered healthy member", "[peer][protocol]") {
    Decision d =
        decided("node-2", {said(1, PeerState::member, false), said(3, PeerState::member, true)});
    CHECK(d.kind == Decision::Kind::join);
    CHECK(d.join_node == "node-3");
    CHECK(decided("node-2", {said(3, PeerState::member, true), said(1, PeerState::member, true)})
              .join_node == "node-1");
}

TEST_CASE("an initialising peer or an unhealthy member makes a node wait", "[peer][protocol]") {
    Decision a = decided("node-1", {said(2, PeerState::initialising), said(3, PeerState::none)});
    CHECK(a.kind == Decision::Kind::wait);
    CHECK_THAT(a.reason, Catch::Contains("node-2 (127.0.0.2): initialising"));
    Decision b = decided("node-1", {said(2, PeerState::member, false), said(3, PeerState::none)});
    CHECK(b.kind == Decision::Kind::wait);
    CHECK_THAT(b.reason, Catch::Contains("member, not healthy"));
}

TEST_CASE("a member with other must-match settings is refused, naming it and both digests",
          "[peer][protocol]") {
    auto refused = peer::decide(
        test::three_nodes("node-3"),
        {said(1, PeerState::member, true, test::kOtherDigest), said(2, PeerState::none)});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Code::refused);
    CHECK(refused.error().where == "node-1 (127.0.0.1)");
    CHECK_THAT(refused.error().message,
               Catch::Contains(test::kDigest) && Catch::Contains(test::kOtherDigest));
}

TEST_CASE("a mismatching member is refused even beside a matching one", "[peer][protocol]") {
    auto refused = peer::decide(
        test::three_nodes("node-3"),
        {said(1, PeerState::member, true), said(2, PeerState::member, false, test::kOtherDigest)});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().where == "node-2 (127.0.0.2)");
}

TEST_CASE("an answer for another node or cluster counts for nothing", "[peer][protocol][safety]") {
    Answer impostor = said(2, PeerState::none);
    impostor.report->cluster = "staging";
    Decision d = decided("node-1", {impostor, said(3, PeerState::none)});
    CHECK(d.kind == Decision::Kind::wait);
    CHECK_THAT(d.reason, Catch::Contains("cluster \"staging\""));

    Answer wrong_name = said(2, PeerState::member, true);
    wrong_name.report->node = "node-9";
    CHECK(decided("node-1", {wrong_name, said(3, PeerState::none)}).kind == Decision::Kind::wait);
}

TEST_CASE("force-init initialises without the peers, but never beside a healthy member",
          "[peer][protocol]") {
    Decision forced = decided("node-2", {unreachable(1), said(3, PeerState::member, false)}, true);
    CHECK(forced.kind == Decision::Kind::init);
    CHECK_THAT(forced.reason, Catch::Contains("--force-init"));

    auto refused = peer::decide(test::three_nodes("node-2"),
                                {unreachable(1), said(3, PeerState::member, true)}, true);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().where == "node-3 (127.0.0.3)");
}

TEST_CASE("a single-node cluster initialises at once", "[peer][protocol]") {
    auto decision = peer::decide(test::three_nodes("node-1", 1), {});
    REQUIRE(decision);
    CHECK(decision->kind == Decision::Kind::init);
}

TEST_CASE("no sequence of truthful answers lets two nodes initialise", "[peer][protocol][safety]") {
    // Every combination of states the two peers can report, seen from each of the three nodes:
    // only node-1 ever initialises.
    std::vector<Answer (*)(int)> answers = {
        [](int n) { return unreachable(n); },
        [](int n) { return said(n, PeerState::none); },
        [](int n) { return said(n, PeerState::initialising); },
        [](int n) { return said(n, PeerState::member, false); },
        [](int n) { return said(n, PeerState::member, true); },
    };
    for (int self = 1; self <= 3; ++self) {
        std::vector<int> others;
        for (int n = 1; n <= 3; ++n)
            if (n != self)
                others.push_back(n);
        for (auto a : answers)
            for (auto b : answers) {
                auto d = peer::decide(test::three_nodes("node-" + std::to_string(self)),
                                      {a(others[0]), b(others[1])});
                REQUIRE(d);
                if (d->kind == Decision::Kind::init) {
                    CHECK(self == 1);
                    auto is_none = [](const Answer& x) {
                        return x.report && x.report->state == PeerState::none;
                    };
                    CHECK(is_none(a(others[0])));
                    CHECK(is_none(b(others[1])));
                }
            }
    }
}

// Issue 12, point 5: etcd admits one learner at a time (etcd's ValidateMaxLearnerConfig,
// DefaultMaxLearners = 1) and K3s ends a join that meets another learner, so a node does not
// start a join while another node answers that it is joining.
TEST_CASE("a node does not join while another node is joining", "[peer][protocol]") {
    Answer joining = said(2, PeerState::initialising);
    joining.report->joining = true;
    Decision d = decided("node-3", {said(1, PeerState::member, true), joining});
    CHECK(d.kind == Decision::Kind::wait);
    CHECK(d.joining == std::vector<std::string>{"node-2"});
    CHECK_THAT(d.reason, Catch::Contains("node-1 (127.0.0.1) is a healthy member to join") &&
                             Catch::Contains("node-2 (127.0.0.2): initialising, joining the cluster") &&
                             Catch::Contains("one new member"));

    // Once it is a member (healthy or not), the join goes ahead.
    Decision after = decided("node-3", {said(1, PeerState::member, true),
                                        said(2, PeerState::member, false)});
    CHECK(after.kind == Decision::Kind::join);
    CHECK(after.join_node == "node-1");

    // Initialising without joining (founding, or holding an old database) holds nobody up.
    Decision founding = decided("node-3", {said(1, PeerState::member, true),
                                           said(2, PeerState::initialising)});
    CHECK(founding.kind == Decision::Kind::join);
}
