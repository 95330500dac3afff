#include "render/node_config.h"

namespace bundle::render {
namespace {

std::vector<nodeconf::Peer> peers_of(const spec::Cluster& cluster, const spec::Secrets& secrets) {
    std::vector<nodeconf::Peer> peers;
    int number = 0;
    for (const auto& node : cluster.nodes)
        peers.push_back({node.name, ++number, node.public_ipv4, node.mesh_ipv4,
                         secrets.nodes.at(node.name).wireguard_public});
    return peers;
}

nodeconf::BundleInfo bundle_info_of(const spec::Cluster& cluster, const BundleRef& bundle) {
    return {bundle.file_name,    bundle.image,       bundle.version,           bundle.size,
            bundle.sha256,       bundle.agent_sha256, bundle.signing_key, bundle_urls(cluster, bundle)};
}

}  // namespace

std::vector<std::string> bundle_urls(const spec::Cluster& cluster, const BundleRef& bundle) {
    static constexpr std::string_view kPlaceholder = "{file}";
    std::vector<std::string> urls;
    for (std::string url : cluster.bundle_sources) {
        for (auto at = url.find(kPlaceholder); at != std::string::npos;
             at = url.find(kPlaceholder, at + bundle.file_name.size()))
            url.replace(at, kPlaceholder.size(), bundle.file_name);
        urls.push_back(std::move(url));
    }
    return urls;
}

nodeconf::NodeConfig node_config_of(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets,
                                    const BundleRef& bundle, const ServerSettings& settings) {
    nodeconf::NodeConfig config;
    config.cluster = cluster.name;
    config.self = self.name;
    config.nodes = peers_of(cluster, secrets);
    config.mesh_subnet = cluster.mesh.subnet;
    config.mesh_port = cluster.mesh.port;
    config.agent_port = cluster.mesh.agent_port;
    config.mesh_interface = kMeshInterface;
    config.k3s_token = secrets.k3s_token;
    config.tls_names = cluster.tls_names;
    config.settings = setting_pairs(settings);
    config.settings_digest = settings_digest(settings);
    config.ssh_authorized_keys = cluster.ssh_authorized_keys;
    if (cluster.gitops) {
        config.gitops = nodeconf::GitOps{cluster.gitops->repository, cluster.gitops->revision, cluster.gitops->path, {}};
        if (cluster.gitops->deploy_key && secrets.gitops_deploy_key) config.gitops->deploy_key = *secrets.gitops_deploy_key;
    }
    config.bundle = bundle_info_of(cluster, bundle);
    return config;
}

std::string render_node_config(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets,
                               const BundleRef& bundle, const ServerSettings& settings) {
    return nodeconf::emit_node_config(node_config_of(cluster, self, secrets, bundle, settings));
}

}  // namespace bundle::render
