#include "render/node_config.h"

#include <yaml-cpp/yaml.h>

namespace bundle::render {
namespace {

void emit_nodes(YAML::Emitter& out, const spec::Cluster& cluster, const spec::Secrets& secrets) {
    out << YAML::Key << "nodes" << YAML::Value << YAML::BeginSeq;
    int number = 0;
    for (const auto& node : cluster.nodes) {
        out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << node.name;
        out << YAML::Key << "number" << YAML::Value << ++number;
        out << YAML::Key << "public_ipv4" << YAML::Value << node.public_ipv4;
        out << YAML::Key << "mesh_ipv4" << YAML::Value << node.mesh_ipv4;
        out << YAML::Key << "wireguard_public_key" << YAML::Value << secrets.nodes.at(node.name).wireguard_public;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

void emit_k3s(YAML::Emitter& out, const spec::Cluster& cluster, const spec::Secrets& secrets,
              const ServerSettings& settings) {
    out << YAML::Key << "k3s" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "token" << YAML::Value << secrets.k3s_token;
    out << YAML::Key << "tls_names" << YAML::Value << YAML::Flow << cluster.tls_names;
    out << YAML::Key << "settings" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : setting_pairs(settings))
        out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
    out << YAML::EndMap;
    out << YAML::Key << "settings_digest" << YAML::Value << settings_digest(settings);
    out << YAML::EndMap;
}

void emit_gitops(YAML::Emitter& out, const spec::Cluster& cluster, const spec::Secrets& secrets) {
    if (!cluster.gitops) return;
    out << YAML::Key << "gitops" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "repository" << YAML::Value << cluster.gitops->repository;
    out << YAML::Key << "revision" << YAML::Value << YAML::DoubleQuoted << cluster.gitops->revision;
    out << YAML::Key << "path" << YAML::Value << cluster.gitops->path;
    if (secrets.gitops_deploy_key)
        out << YAML::Key << "deploy_key" << YAML::Value << YAML::Literal << *secrets.gitops_deploy_key;
    out << YAML::EndMap;
}

void emit_bundle(YAML::Emitter& out, const spec::Cluster& cluster, const BundleRef& bundle) {
    out << YAML::Key << "bundle" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "file" << YAML::Value << bundle.file_name;
    out << YAML::Key << "image" << YAML::Value << bundle.image;
    out << YAML::Key << "version" << YAML::Value << bundle.version;
    out << YAML::Key << "size" << YAML::Value << bundle.size;
    out << YAML::Key << "sha256" << YAML::Value << bundle.sha256;
    out << YAML::Key << "agent_sha256" << YAML::Value << bundle.agent_sha256;
    out << YAML::Key << "signing_key" << YAML::Value << bundle.signing_key;
    out << YAML::Key << "sources" << YAML::Value << bundle_urls(cluster, bundle);
    out << YAML::EndMap;
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

std::string render_node_config(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets,
                               const BundleRef& bundle, const ServerSettings& settings) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "bundle/v1";
    out << YAML::Key << "kind" << YAML::Value << "NodeConfig";
    // Names quoted: YAML 1.1 readers take some words (no, on, 123) for other types.
    out << YAML::Key << "cluster" << YAML::Value << YAML::DoubleQuoted << cluster.name;
    out << YAML::Key << "self" << YAML::Value << YAML::DoubleQuoted << self.name;
    emit_nodes(out, cluster, secrets);
    out << YAML::Key << "mesh" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "subnet" << YAML::Value << cluster.mesh.subnet;
    out << YAML::Key << "port" << YAML::Value << cluster.mesh.port;
    out << YAML::Key << "agent_port" << YAML::Value << cluster.mesh.agent_port;
    out << YAML::Key << "interface" << YAML::Value << kMeshInterface;
    out << YAML::EndMap;
    out << YAML::Key << "wireguard_private_key" << YAML::Value << secrets.nodes.at(self.name).wireguard_private;
    emit_k3s(out, cluster, secrets, settings);
    out << YAML::Key << "ssh_authorized_keys" << YAML::Value << cluster.ssh_authorized_keys;
    emit_gitops(out, cluster, secrets);
    emit_bundle(out, cluster, bundle);
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace bundle::render
