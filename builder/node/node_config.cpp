#include "node/node_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "core/fd.h"
#include "render/server_settings.h"
#include "spec/yaml_error.h"

namespace bundle::node {
namespace {

using spec::Field;
using spec::Mapping;
using spec::YamlErrors;

constexpr std::size_t kMaxConfigBytes = 1 << 20;

std::string text_of(const Mapping& map, std::string_view key, YamlErrors& errors) {
    const Field* field = map.require(key, errors);
    if (field == nullptr) return {};
    return spec::scalar_value(*field, errors).value_or("");
}

std::string optional_text(const Mapping& map, std::string_view key, YamlErrors& errors) {
    const Field* field = map.find(key);
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
    peer.number = static_cast<int>(number_of(map, "number", errors));
    peer.public_ipv4 = text_of(map, "public_ipv4", errors);
    peer.mesh_ipv4 = text_of(map, "mesh_ipv4", errors);
    peer.wireguard_public_key = text_of(map, "wireguard_public_key", errors);
    return peer;
}

void read_k3s(const Field* field, NodeConfig& config, YamlErrors& errors) {
    if (field == nullptr) return;
    auto map = Mapping::read(field->value, "k3s", {"token", "tls_names", "settings", "settings_digest"}, errors);
    config.k3s_token = text_of(map, "token", errors);
    config.tls_names = texts_of(map.find("tls_names"), errors);
    config.settings_digest = text_of(map, "settings_digest", errors);
    if (const Field* settings = map.require("settings", errors)) {
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

NodeConfig read_config(const YAML::Node& root, YamlErrors& errors) {
    auto map = Mapping::read(root, "node configuration",
                             {"apiVersion", "kind", "cluster", "self", "nodes", "mesh", "wireguard_private_key", "k3s",
                              "ssh_authorized_keys", "gitops", "bundle"},
                             errors);
    NodeConfig config;
    if (auto api = text_of(map, "apiVersion", errors); !api.empty() && api != "bundle/v1")
        errors.add(map.find("apiVersion")->value, "apiVersion must be bundle/v1, not " + spec::quote_value(api));
    if (auto kind = text_of(map, "kind", errors); !kind.empty() && kind != "NodeConfig")
        errors.add(map.find("kind")->value, "kind must be NodeConfig, not " + spec::quote_value(kind));
    config.cluster = text_of(map, "cluster", errors);
    config.self = text_of(map, "self", errors);
    if (const Field* nodes = map.require("nodes", errors)) {
        if (!nodes->value.IsSequence())
            errors.add(nodes->value_at(errors), "nodes must be a sequence");
        else
            for (const auto& item : nodes->value) config.nodes.push_back(read_peer(item, errors));
    }
    if (const Field* mesh = map.require("mesh", errors)) {
        auto m = Mapping::read(mesh->value, "mesh", {"subnet", "port", "agent_port", "interface"}, errors);
        config.mesh_subnet = text_of(m, "subnet", errors);
        config.mesh_port = static_cast<int>(number_of(m, "port", errors));
        config.agent_port = static_cast<int>(number_of(m, "agent_port", errors));
        config.mesh_interface = text_of(m, "interface", errors);
    }
    config.wireguard_private_key = text_of(map, "wireguard_private_key", errors);
    read_k3s(map.require("k3s", errors), config, errors);
    config.ssh_authorized_keys = texts_of(map.find("ssh_authorized_keys"), errors);
    if (const Field* gitops = map.find("gitops")) {
        auto g = Mapping::read(gitops->value, "gitops", {"repository", "revision", "path", "deploy_key"}, errors);
        config.gitops = GitOps{text_of(g, "repository", errors), optional_text(g, "revision", errors),
                               optional_text(g, "path", errors)};
    }
    read_bundle(map.require("bundle", errors), config.bundle, errors);

    std::sort(config.nodes.begin(), config.nodes.end(), [](const Peer& a, const Peer& b) { return a.number < b.number; });
    int selves = 0;
    for (std::size_t i = 0; i < config.nodes.size(); ++i) {
        if (config.nodes[i].name == config.self) ++selves;
        if (i > 0 && config.nodes[i].number == config.nodes[i - 1].number)
            errors.add(root, "two nodes have the number " + std::to_string(config.nodes[i].number));
    }
    if (errors.empty() && selves != 1)
        errors.add(root, "self " + spec::quote_value(config.self) + " is not one of the nodes");
    if (errors.empty() && render::settings_digest(config.settings) != config.settings_digest)
        errors.add(map.find("k3s")->value, "k3s.settings_digest does not match k3s.settings (the file was edited by hand?)");
    return config;
}

Result<std::string> read_private_file(const std::string& path, bool allow_readable) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) return system_error(Code::io, path, "cannot open the node configuration", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return system_error(Code::io, path, "cannot stat", errno);
    if (!S_ISREG(st.st_mode)) return Error{Code::invalid_input, path, "is not a regular file"};
    if (static_cast<std::size_t>(st.st_size) > kMaxConfigBytes)
        return Error{Code::invalid_input, path, "is larger than 1 MiB; not a node configuration"};
    if (!allow_readable && (st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return Error{Code::invalid_input, path,
                     std::string("holds the node's secrets but has mode ") + mode +
                         " (group or others may read it); run chmod 600 on it"};
    }
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_error(Code::io, path, "cannot read", errno);
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    text.resize(done);
    return text;
}

}  // namespace

const Peer& NodeConfig::me() const {
    for (const auto& peer : nodes)
        if (peer.name == self) return peer;
    throw std::logic_error("node configuration without its own node");
}

std::vector<const Peer*> NodeConfig::others() const {
    std::vector<const Peer*> out;
    for (const auto& peer : nodes)
        if (peer.name != self) out.push_back(&peer);
    return out;
}

Result<NodeConfig> load_node_config(const std::string& path, bool allow_readable) {
    auto text = read_private_file(path, allow_readable);
    if (!text) return std::move(text).error();
    auto config = spec::parse_document<NodeConfig>(*text, path, read_config);
    if (config) config->path = path;
    return config;
}

}  // namespace bundle::node
