// node.yaml's writer (node_config.h has the format). The key order is the format's; the reader
// does not depend on it, people reading the file do.
#include <yaml-cpp/yaml.h>

#include "nodeconf/node_config.h"

namespace bundle::nodeconf {
namespace {

void emit_nodes(YAML::Emitter& out, const std::vector<Peer>& nodes) {
    out << YAML::Key << "nodes" << YAML::Value << YAML::BeginSeq;
    for (const auto& node : nodes) {
        out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << node.name;
        out << YAML::Key << "number" << YAML::Value << node.number;
        out << YAML::Key << "public_ipv4" << YAML::Value << node.public_ipv4;
        out << YAML::Key << "mesh_ipv4" << YAML::Value << node.mesh_ipv4;
        out << YAML::Key << "wireguard_public_key" << YAML::Value << node.wireguard_public_key;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

void emit_mesh(YAML::Emitter& out, const NodeConfig& config) {
    out << YAML::Key << "mesh" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "subnet" << YAML::Value << config.mesh_subnet;
    out << YAML::Key << "port" << YAML::Value << config.mesh_port;
    out << YAML::Key << "agent_port" << YAML::Value << config.agent_port;
    out << YAML::Key << "interface" << YAML::Value << config.mesh_interface;
    out << YAML::EndMap;
}

void emit_k3s(YAML::Emitter& out, const NodeConfig& config) {
    out << YAML::Key << "k3s" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "token" << YAML::Value << config.k3s_token;
    out << YAML::Key << "tls_names" << YAML::Value << YAML::Flow << config.tls_names;
    out << YAML::Key << "settings" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : config.settings)
        out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
    out << YAML::EndMap;
    out << YAML::Key << "settings_digest" << YAML::Value << config.settings_digest;
    out << YAML::EndMap;
}

void emit_gitops(YAML::Emitter& out, const GitOps& gitops) {
    out << YAML::Key << "gitops" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "repository" << YAML::Value << gitops.repository;
    out << YAML::Key << "revision" << YAML::Value << YAML::DoubleQuoted << gitops.revision;
    out << YAML::Key << "path" << YAML::Value << gitops.path;
    // A literal block keeps the key's lines as they are in secrets/gitops-deploy-key.
    if (!gitops.deploy_key.empty())
        out << YAML::Key << "deploy_key" << YAML::Value << YAML::Literal << gitops.deploy_key;
    out << YAML::EndMap;
}

void emit_bundle(YAML::Emitter& out, const BundleInfo& bundle) {
    out << YAML::Key << "bundle" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "file" << YAML::Value << bundle.file;
    out << YAML::Key << "image" << YAML::Value << bundle.image;
    out << YAML::Key << "version" << YAML::Value << bundle.version;
    out << YAML::Key << "size" << YAML::Value << bundle.size;
    out << YAML::Key << "sha256" << YAML::Value << bundle.sha256;
    out << YAML::Key << "agent_sha256" << YAML::Value << bundle.agent_sha256;
    out << YAML::Key << "signing_key" << YAML::Value << bundle.signing_key;
    out << YAML::Key << "sources" << YAML::Value << bundle.sources;
    out << YAML::EndMap;
}

}  // namespace

std::string emit_node_config(const NodeConfig& config) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "bundle/v1";
    out << YAML::Key << "kind" << YAML::Value << "NodeConfig";
    out << YAML::Key << "cluster" << YAML::Value << YAML::DoubleQuoted << config.cluster;
    out << YAML::Key << "self" << YAML::Value << YAML::DoubleQuoted << config.self;
    emit_nodes(out, config.nodes);
    emit_mesh(out, config);
    emit_k3s(out, config);
    out << YAML::Key << "ssh_authorized_keys" << YAML::Value << config.ssh_authorized_keys;
    if (config.gitops) emit_gitops(out, *config.gitops);
    emit_bundle(out, config.bundle);
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace bundle::nodeconf
