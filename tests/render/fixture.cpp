#include "render/fixture.h"

#include "hash/sha256.h"
#include "sign/x25519.h"

namespace bundle::test {
namespace {

std::string hex_of(const std::string& text) { return hash::to_hex(*hash::sha256(text)); }

}  // namespace

spec::Cluster three_node_cluster() {
    spec::Cluster cluster;
    cluster.name = "prod";
    cluster.mesh.subnet = "10.6.0.0/24";
    cluster.mesh.network = 0x0a060000;
    cluster.mesh.prefix = 24;
    for (int i = 1; i <= 3; ++i) {
        spec::Node node;
        node.name = "node-" + std::to_string(i);
        node.public_ipv4 = "203.0.113." + std::to_string(9 + i);
        node.mesh_ipv4 = "10.6.0." + std::to_string(i);
        cluster.nodes.push_back(node);
    }
    cluster.ssh_authorized_keys = {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"};
    cluster.tls_names = {"k8s.example.org"};
    cluster.gitops = spec::GitOps{"https://git.example.org/acme/cluster.git", "main", "clusters/prod", false};
    cluster.bundle_sources = {"https://downloads.example.org/releases/{file}"};
    cluster.file = "cluster.yaml";
    cluster.secrets = "secrets";
    return cluster;
}

spec::Secrets fresh_secrets(const spec::Cluster& cluster) {
    spec::Secrets secrets;
    secrets.signing_key = *sign::PrivateKey::generate();
    secrets.k3s_token = hex_of("token of this run " + std::to_string(reinterpret_cast<std::uintptr_t>(&secrets)));
    for (const auto& node : cluster.nodes) {
        auto keys = *sign::generate_wireguard_keys();
        secrets.nodes[node.name] = {keys.private_key, keys.public_key};
    }
    return secrets;
}

render::BundleRef stand_in_bundle(const spec::Secrets& secrets) {
    render::BundleRef bundle;
    bundle.file_name = "ovh-ha3-7.bundle";
    bundle.image = "ovh-ha3";
    bundle.version = 7;
    bundle.size = 123456789;
    bundle.sha256 = hex_of("stand-in bundle");
    bundle.agent_sha256 = hex_of("stand-in node agent");
    bundle.signing_key = sign::public_key_base64(secrets.signing_key.public_key());
    return bundle;
}

std::vector<std::pair<std::string, std::string>> placeholders(const spec::Cluster& cluster, const spec::Secrets& secrets,
                                                              const render::BundleRef& bundle) {
    std::vector<std::pair<std::string, std::string>> pairs = {
        {"@K3S_TOKEN@", secrets.k3s_token},
        {"@SIGNING_KEY@", bundle.signing_key},
        {"@BUNDLE_SHA256@", bundle.sha256},
        {"@AGENT_SHA256@", bundle.agent_sha256},
    };
    for (const auto& node : cluster.nodes) {
        pairs.emplace_back("@WG_PRIVATE:" + node.name + "@", secrets.nodes.at(node.name).wireguard_private);
        pairs.emplace_back("@WG_PUBLIC:" + node.name + "@", secrets.nodes.at(node.name).wireguard_public);
    }
    return pairs;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

}  // namespace bundle::test
