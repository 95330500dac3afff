// node.yaml as `bundle build` writes it and the node agent reads it back: one definition
// (nodeconf/node_config.h), so rendering and then parsing gives the struct that was rendered,
// the GitOps deploy key included (the reader once dropped it: issue 12, point 9).
#include <catch2/catch.hpp>

#include "nodeconf/node_config.h"
#include "render/fixture.h"
#include "render/node_config.h"

using namespace bundle;

namespace {

const std::string kDeployKey =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----\n";

}  // namespace

TEST_CASE("node.yaml rendered with a deploy key parses back to what was rendered", "[render][nodeconf]") {
    spec::Cluster cluster = test::three_node_cluster();
    cluster.gitops = spec::GitOps{"git@git.example.org:acme/cluster.git", "main", "clusters/prod", true};
    spec::Secrets secrets = test::fresh_secrets(cluster);
    secrets.gitops_deploy_key = kDeployKey;
    render::BundleRef bundle = test::stand_in_bundle(secrets);
    for (const auto& node : cluster.nodes) {
        nodeconf::NodeConfig rendered = render::node_config_of(cluster, node, secrets, bundle, {});
        rendered.path = "node.yaml";
        auto back = nodeconf::parse_node_config(render::render_node_config(cluster, node, secrets, bundle, {}), "node.yaml");
        REQUIRE(back);
        REQUIRE(back->gitops);
        CHECK(back->gitops->deploy_key == kDeployKey);
        CHECK(back->gitops->repository == "git@git.example.org:acme/cluster.git");
        CHECK(back->me().name == node.name);
        CHECK(*back == rendered);
    }
}

TEST_CASE("node.yaml holds no WireGuard private key: networkd reads wireguard.key", "[render][nodeconf][security]") {
    spec::Cluster cluster = test::three_node_cluster();
    spec::Secrets secrets = test::fresh_secrets(cluster);
    render::BundleRef bundle = test::stand_in_bundle(secrets);
    std::string text = render::render_node_config(cluster, cluster.nodes[0], secrets, bundle, {});
    CHECK(text.find(secrets.nodes.at("node-1").wireguard_private) == std::string::npos);
    CHECK(text.find("wireguard_private_key") == std::string::npos);
}
