// node.yaml's reader (node_config.h has the format): every key the writer writes, and no other.
#include <algorithm>
#include <charconv>

#include "nodeconf/node_config.h"
#include "spec/yaml_error.h"

namespace bundle::nodeconf {
namespace {

using spec::Field;
using spec::Mapping;
using spec::YamlErrors;

std::string text_of(const Mapping& map, std::string_view key, YamlErrors& errors) {
    const Field* field = map.require(key, errors);
    if (field == nullptr) return {};
    return spec::scalar_value(*field, errors).value_or("");
}

std::uint64_t number_of(const Mapping& map, std::string_view key, YamlErrors& errors) {
    const Field* field = map.require(key, errors);
    if (field == nullptr) return 0;
    auto text = spec::scalar_value(*field, errors);
    if (!text) return 0;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size()) {
        errors.add(field->value_at(errors), std::string(key) + " must be a whole number, not " + spec::quote_value(*text));
        return 0;
    }
    return value;
}

// A port: a whole number from 1 to 65535.
int port_of(const Mapping& map, std::string_view key, YamlErrors& errors) {
    std::uint64_t value = number_of(map, key, errors);
    if (const Field* field = map.find(key); field != nullptr && value > 65535) {
        errors.add(field->value_at(errors), std::string(key) + " must be a port number up to 65535");
        return 0;
    }
    return static_cast<int>(value);
}

std::vector<std::string> texts_of(const Field* field, YamlErrors& errors) {
    std::vector<std::string> out;
    if (field == nullptr || field->value.IsNull()) return out;
    if (!field->value.IsSequence()) {
        errors.add(field->value_at(errors), field->key + " must be a sequence, found " + spec::kind_of(field->value));
        return out;
    }
    for (const auto& item : field->value) {
        if (!item.IsScalar()) {
            errors.add(item, "an entry of " + field->key + " must be a scalar");
            continue;
        }
        out.push_back(item.Scalar());
    }
    return out;
}

Peer read_peer(const YAML::Node& node, YamlErrors& errors) {
    auto map = Mapping::read(node, "node", {"name", "number", "public_ipv4", "mesh_ipv4", "wireguard_public_key"}, errors);
    Peer peer;
    peer.name = text_of(map, "name", errors);
    std::uint64_t number = number_of(map, "number", errors);
    if (number > 1000) errors.add(node, "a node's number must be at most 1000");
    peer.number = static_cast<int>(std::min<std::uint64_t>(number, 1000));
    peer.public_ipv4 = text_of(map, "public_ipv4", errors);
    peer.mesh_ipv4 = text_of(map, "mesh_ipv4", errors);
    peer.wireguard_public_key = text_of(map, "wireguard_public_key", errors);
    return peer;
}

void read_nodes(const Field* field, NodeConfig& config, YamlErrors& errors) {
    if (field == nullptr) return;
    if (!field->value.IsSequence()) {
        errors.add(field->value_at(errors), "nodes must be a sequence");
        return;
    }
    for (const auto& item : field->value) config.nodes.push_back(read_peer(item, errors));
}

void read_mesh(const Field* field, NodeConfig& config, YamlErrors& errors) {
    if (field == nullptr) return;
    auto map = Mapping::read(field->value, "mesh", {"subnet", "port", "agent_port", "interface"}, errors);
    config.mesh_subnet = text_of(map, "subnet", errors);
    config.mesh_port = port_of(map, "port", errors);
    config.agent_port = port_of(map, "agent_port", errors);
    config.mesh_interface = text_of(map, "interface", errors);
}

void read_settings(const Field* settings, NodeConfig& config, YamlErrors& errors) {
    if (settings == nullptr) return;
    if (!settings->value.IsMap()) {
        errors.add(settings->value_at(errors), "settings must be a mapping, found " + std::string(spec::kind_of(settings->value)));
        return;
    }
    for (const auto& pair : settings->value) {
        if (!pair.first.IsScalar() || !pair.second.IsScalar()) {
            errors.add(pair.first, "a setting must be a key and a scalar value");
            continue;
        }
        config.settings.emplace_back(pair.first.Scalar(), pair.second.Scalar());
    }
}

void read_k3s(const Field* field, NodeConfig& config, YamlErrors& errors) {
    if (field == nullptr) return;
    auto map = Mapping::read(field->value, "k3s", {"token", "tls_names", "settings", "settings_digest"}, errors);
    config.k3s_token = text_of(map, "token", errors);
    config.tls_names = texts_of(map.find("tls_names"), errors);
    read_settings(map.require("settings", errors), config, errors);
    config.settings_digest = text_of(map, "settings_digest", errors);
}

// The deploy key is a secret: a mistake in it is named, never quoted.
void read_gitops(const Field* field, NodeConfig& config, YamlErrors& errors) {
    if (field == nullptr) return;
    auto map = Mapping::read(field->value, "gitops", {"repository", "revision", "path", "deploy_key"}, errors);
    GitOps gitops;
    gitops.repository = text_of(map, "repository", errors);
    gitops.revision = text_of(map, "revision", errors);
    gitops.path = text_of(map, "path", errors);
    if (const Field* key = map.find("deploy_key")) {
        gitops.deploy_key = spec::scalar_value(*key, errors).value_or("");
        if (gitops.deploy_key.find("PRIVATE KEY-----") == std::string::npos)
            errors.add(key->value_at(errors), "gitops.deploy_key must be an SSH private key (its text is not shown)");
    }
    config.gitops = std::move(gitops);
}

void read_bundle(const Field* field, BundleInfo& bundle, YamlErrors& errors) {
    if (field == nullptr) return;
    auto map = Mapping::read(field->value, "bundle",
                             {"file", "image", "version", "size", "sha256", "agent_sha256", "signing_key", "sources"}, errors);
    bundle.file = text_of(map, "file", errors);
    bundle.image = text_of(map, "image", errors);
    bundle.version = number_of(map, "version", errors);
    bundle.size = number_of(map, "size", errors);
    bundle.sha256 = text_of(map, "sha256", errors);
    bundle.agent_sha256 = text_of(map, "agent_sha256", errors);
    bundle.signing_key = text_of(map, "signing_key", errors);
    bundle.sources = texts_of(map.find("sources"), errors);
    if (bundle.file.empty() || bundle.file.find('/') != std::string::npos || bundle.file[0] == '.')
        errors.add(field->value, "bundle.file must be a plain file name");
}

// What the whole file must hold together: one entry for self, unique numbers, and the digest.
void check_config(NodeConfig& config, const YAML::Node& root, const Mapping& map, YamlErrors& errors) {
    std::stable_sort(config.nodes.begin(), config.nodes.end(),
                     [](const Peer& a, const Peer& b) { return a.number < b.number; });
    int selves = 0;
    for (std::size_t i = 0; i < config.nodes.size(); ++i) {
        if (config.nodes[i].name == config.self) ++selves;
        if (i > 0 && config.nodes[i].number == config.nodes[i - 1].number)
            errors.add(root, "two nodes have the number " + std::to_string(config.nodes[i].number));
    }
    if (errors.empty() && selves != 1)
        errors.add(root, "self " + spec::quote_value(config.self) + " is not one of the nodes");
    if (errors.empty() && settings_digest(config.settings) != config.settings_digest)
        errors.add(map.find("k3s")->value, "k3s.settings_digest does not match k3s.settings (the file was edited by hand?)");
}

NodeConfig read_config(const YAML::Node& root, YamlErrors& errors) {
    auto map = Mapping::read(
        root, "node configuration",
        {"apiVersion", "kind", "cluster", "self", "nodes", "mesh", "k3s", "ssh_authorized_keys", "gitops", "bundle"}, errors);
    NodeConfig config;
    if (auto api = text_of(map, "apiVersion", errors); !api.empty() && api != "bundle/v1")
        errors.add(map.find("apiVersion")->value, "apiVersion must be bundle/v1, not " + spec::quote_value(api));
    if (auto kind = text_of(map, "kind", errors); !kind.empty() && kind != "NodeConfig")
        errors.add(map.find("kind")->value, "kind must be NodeConfig, not " + spec::quote_value(kind));
    config.cluster = text_of(map, "cluster", errors);
    config.self = text_of(map, "self", errors);
    read_nodes(map.require("nodes", errors), config, errors);
    read_mesh(map.require("mesh", errors), config, errors);
    read_k3s(map.require("k3s", errors), config, errors);
    config.ssh_authorized_keys = texts_of(map.find("ssh_authorized_keys"), errors);
    read_gitops(map.find("gitops"), config, errors);
    read_bundle(map.require("bundle", errors), config.bundle, errors);
    if (map.is_mapping()) check_config(config, root, map, errors);
    return config;
}

}  // namespace

Result<NodeConfig> parse_node_config(std::string_view text, const std::string& path) {
    auto config = spec::parse_document<NodeConfig>(text, path, read_config);
    if (config) config->path = path;
    return config;
}

}  // namespace bundle::nodeconf
