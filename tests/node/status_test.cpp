// `bundle node status`'s mesh lines: the kernel keeps each peer's public key and the time of its
// latest handshake, 0 for none (WGPEER_A_LAST_HANDSHAKE_TIME; node/wireguard_peers.h reads it,
// tests/node/wireguard_peers_test.cpp tests that). Status says how long ago, measured from an
// injected now, and --json keeps both numbers.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "node/status.h"
#include "support/temp_dir.h"

using namespace bundle;
using namespace bundle::node;

namespace {

// Every command (kubectl) fails, as on a node whose K3s does not run.
class NothingRuns : public CommandRunner {
public:
    Result<CommandResult> run(const Command&, const LineSink&) override { return CommandResult{1, "not running"}; }
};

// A stand-in for the kernel's answer: node-2's handshake 75 s before kNow, node-3's never.
Result<std::vector<WireguardPeer>> two_peers(const std::string&) {
    return std::vector<WireguardPeer>{{"key2=", 1796406260, 10, 20}, {"key3=", 0, 0, 0}};
}

NodeConfig three_nodes() {
    NodeConfig config;
    config.cluster = "prod";
    config.self = "node-1";
    config.mesh_interface = "wg-mesh";
    config.nodes = {{"node-1", 1, "203.0.113.10", "10.6.0.1", "key1="},
                    {"node-2", 2, "203.0.113.11", "10.6.0.2", "key2="},
                    {"node-3", 3, "203.0.113.12", "10.6.0.3", "key3="}};
    return config;
}

constexpr std::int64_t kNow = 1796406335;

}  // namespace

TEST_CASE("status says how long ago each peer's latest handshake was, or never", "[node][status]") {
    test::TempDir root;
    NothingRuns runner;
    auto report = collect_report(three_nodes(), StateDir(root.path().string()), runner, two_peers, kNow);
    REQUIRE(report);
    REQUIRE(report->handshakes.size() == 2);
    std::string text = report_text(*report);
    INFO(text);
    CHECK_THAT(text, Catch::Contains("node-2: latest handshake 1 min 15 s ago\n"));
    CHECK_THAT(text, Catch::Contains("node-3: latest handshake never\n"));
    CHECK_THAT(text, !Catch::Contains("1796406260"));
}

TEST_CASE("status --json gives each handshake's epoch and seconds ago (null for never)", "[node][status]") {
    test::TempDir root;
    NothingRuns runner;
    auto report = collect_report(three_nodes(), StateDir(root.path().string()), runner, two_peers, kNow);
    REQUIRE(report);
    auto doc = nlohmann::json::parse(report_json(*report));
    const auto& handshakes = doc.at("mesh").at("handshakes");
    REQUIRE(handshakes.size() == 2);
    CHECK(handshakes[0] == nlohmann::json{{"peer", "node-2"}, {"latest", 1796406260}, {"seconds_ago", 75}});
    CHECK(handshakes[1] == nlohmann::json{{"peer", "node-3"}, {"latest", 0}, {"seconds_ago", nullptr}});
}

TEST_CASE("status says why it shows no handshakes", "[node][status]") {
    test::TempDir root;
    NothingRuns runner;
    auto none = [](const std::string& name) -> Result<std::vector<WireguardPeer>> {
        return Error{Code::io, name, "no such interface"};
    };
    auto report = collect_report(three_nodes(), StateDir(root.path().string()), runner, none, kNow);
    REQUIRE(report);
    CHECK(report->handshakes.empty());
    CHECK(report->handshakes_note == "unknown: wg-mesh: no such interface");
    auto empty = [](const std::string&) -> Result<std::vector<WireguardPeer>> { return std::vector<WireguardPeer>{}; };
    report = collect_report(three_nodes(), StateDir(root.path().string()), runner, empty, kNow);
    REQUIRE(report);
    CHECK(report->handshakes_note == "no peers on wg-mesh");
}

TEST_CASE("handshake ages read in the largest units that fit", "[node][status]") {
    auto said = [](std::int64_t ago) { return describe_handshake({"p", kNow - ago, ago}); };
    CHECK(said(0) == "0 s ago");
    CHECK(said(42) == "42 s ago");
    CHECK(said(120) == "2 min ago");
    CHECK(said(2 * 3600 + 10 * 60 + 5) == "2 h 10 min ago");
    CHECK(said(4 * 86400 + 3 * 3600) == "4 d 3 h ago");
    CHECK_THAT(said(-7), Catch::StartsWith("7 s in the future"));
    CHECK(describe_handshake({"p", 0, 0}) == "never");
}
