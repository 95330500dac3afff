// node.yaml's one definition: what the writer emits, the reader gives back, field for field.
#include <catch2/catch.hpp>

#include "nodeconf/node_config.h"

using namespace bundle;
using namespace bundle::nodeconf;

namespace {

const std::string kDeployKey =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDeployKeyOfTheTestNotARealOneAtAll0000000000000000000000000\n"
    "-----END OPENSSH PRIVATE KEY-----\n";

// Values chosen to trip a YAML writer: words that YAML 1.1 reads as booleans or numbers.
NodeConfig sample() {
    NodeConfig config;
    config.path = "node.yaml";
    config.cluster = "no";
    config.self = "123";
    config.nodes = {{"on", 1, "203.0.113.10", "10.6.0.1", "k1="}, {"123", 2, "203.0.113.11", "10.6.0.2", "k2="}};
    config.mesh_subnet = "10.6.0.0/24";
    config.mesh_port = 51820;
    config.agent_port = 7443;
    config.mesh_interface = "wg-mesh";
    config.k3s_token = "tokensecret-0123456789";
    config.tls_names = {"k8s.example.org", "1.2"};
    config.settings = {{"cluster-cidr", "10.42.0.0/16"}, {"secrets-encryption", "true"}};
    config.settings_digest = settings_digest(config.settings);
    config.ssh_authorized_keys = {"ssh-ed25519 AAAA a@b"};
    config.gitops = GitOps{"git@git.example.org:ops/cluster.git", "1.0", "clusters/prod", kDeployKey};
    config.bundle = {"site-3.bundle", "site", 3, 1234, "aa", "bb", "cc", {"https://example.org/site-3.bundle"}};
    return config;
}

}  // namespace

TEST_CASE("node.yaml: what is emitted parses back to the same struct", "[nodeconf][roundtrip]") {
    NodeConfig config = sample();
    auto back = parse_node_config(emit_node_config(config), "node.yaml");
    REQUIRE(back);
    CHECK(back->gitops->deploy_key == kDeployKey);
    CHECK(back->nodes == config.nodes);
    CHECK(*back == config);
}

TEST_CASE("node.yaml without gitops, or without a deploy key, round-trips too", "[nodeconf][roundtrip]") {
    NodeConfig config = sample();
    config.gitops->deploy_key.clear();
    auto text = emit_node_config(config);
    CHECK(text.find("deploy_key") == std::string::npos);
    auto back = parse_node_config(text, "node.yaml");
    REQUIRE(back);
    CHECK(*back == config);
    config.gitops.reset();
    back = parse_node_config(emit_node_config(config), "node.yaml");
    REQUIRE(back);
    CHECK_FALSE(back->gitops);
    CHECK(*back == config);
}

TEST_CASE("node.yaml holds no WireGuard private key, and one that does is refused", "[nodeconf]") {
    std::string text = emit_node_config(sample());
    CHECK(text.find("wireguard_private_key") == std::string::npos);
    text.insert(text.find("k3s:"), "wireguard_private_key: c2VjcmV0\n");
    auto back = parse_node_config(text, "node.yaml");
    REQUIRE_FALSE(back);
    CHECK_THAT(back.error().message, Catch::Contains("node.yaml:") && Catch::Contains("'wireguard_private_key'"));
    CHECK_THAT(back.error().message, !Catch::Contains("c2VjcmV0"));
}

TEST_CASE("node.yaml with a deploy key that is not one names it without showing it", "[nodeconf][security]") {
    NodeConfig config = sample();
    config.gitops->deploy_key = "not-a-key-but-a-secret-all-the-same\n";
    auto back = parse_node_config(emit_node_config(config), "node.yaml");
    REQUIRE_FALSE(back);
    CHECK_THAT(back.error().message, Catch::Contains("gitops.deploy_key must be an SSH private key"));
    CHECK_THAT(back.error().message, !Catch::Contains("not-a-key"));
}
