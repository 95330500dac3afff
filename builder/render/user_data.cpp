#include "render/user_data.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <numeric>

#include "render/embedded.h"
#include "render/gzip.h"
#include "render/networkd.h"
#include "render/node_config.h"
#include "sign/base64.h"

namespace bundle::render {
namespace {

struct File {
    std::string path;
    std::string permissions;
    std::string owner;
    std::string content;
    bool gzipped = false;
};

std::vector<File> files_of(const spec::Cluster& cluster, const spec::Node& node, const spec::Secrets& secrets,
                           const BundleRef& bundle, const ServerSettings& settings) {
    return {
        {kNodeConfigPath, "0600", "root:root", render_node_config(cluster, node, secrets, bundle, settings)},
        {kWireGuardKeyPath, "0640", "root:systemd-network", secrets.nodes.at(node.name).wireguard_private + "\n"},
        {kNetdevPath, "0644", "root:root", render_netdev(cluster, node, secrets)},
        {kNetworkPath, "0644", "root:root", render_network(cluster, node)},
        {kBootstrapEnvPath, "0644", "root:root", render_bootstrap_env(cluster, node, bundle)},
        {kBootstrapPath, "0755", "root:root", std::string(bootstrap_script())},
        {kBootstrapUnitPath, "0644", "root:root", render_bootstrap_unit()},
    };
}

std::string emit(const spec::Cluster& cluster, const spec::Node& node, const std::vector<File>& files) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    // Quoted: cloud-init reads YAML 1.1, where some names would not be strings.
    out << YAML::Key << "hostname" << YAML::Value << YAML::DoubleQuoted << node.name;
    out << YAML::Key << "ssh_authorized_keys" << YAML::Value << cluster.ssh_authorized_keys;
    out << YAML::Key << "write_files" << YAML::Value << YAML::BeginSeq;
    for (const auto& file : files) {
        out << YAML::BeginMap;
        out << YAML::Key << "path" << YAML::Value << file.path;
        out << YAML::Key << "owner" << YAML::Value << file.owner;
        out << YAML::Key << "permissions" << YAML::Value << YAML::SingleQuoted << file.permissions;
        if (file.gzipped) {
            out << YAML::Key << "encoding" << YAML::Value << "gz+b64";
            out << YAML::Key << "content" << YAML::Value << file.content;
        } else {
            out << YAML::Key << "content" << YAML::Value << YAML::Literal << file.content;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "runcmd" << YAML::Value << YAML::BeginSeq << YAML::Flow << YAML::BeginSeq << "systemctl"
        << "enable" << "--now" << "--no-block" << kBootstrapUnit << YAML::EndSeq << YAML::EndSeq;
    out << YAML::EndMap;
    return "#cloud-config\n# bundle user-data for node " + node.name + " of cluster " + cluster.name +
           ". SECRET: it holds this node's keys and the cluster token.\n" + out.c_str() + "\n";
}

}  // namespace

Result<UserData> render_user_data(const spec::Cluster& cluster, const spec::Node& node, const spec::Secrets& secrets,
                                  const BundleRef& bundle, const UserDataOptions& options) {
    std::vector<File> files = files_of(cluster, node, secrets, bundle, options.settings);
    UserData result{emit(cluster, node, files), {}};
    std::vector<std::size_t> by_size(files.size());
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(),
                     [&](std::size_t a, std::size_t b) { return files[a].content.size() > files[b].content.size(); });
    for (std::size_t i : by_size) {
        if (result.text.size() <= options.limit) break;
        auto packed = gzip(files[i].content);
        if (!packed) return std::move(packed).error();
        files[i].content = sign::base64_encode(*packed);
        files[i].gzipped = true;
        result.compressed.push_back(files[i].path);
        result.text = emit(cluster, node, files);
    }
    if (result.text.size() > options.limit)
        return Error{Code::invalid_input, node.name,
                     "user-data is " + std::to_string(result.text.size()) + " bytes even with its files compressed; "
                     "provider panels take at most " + std::to_string(options.limit) +
                     " (fewer or shorter ssh_authorized_keys help)"};
    return result;
}

}  // namespace bundle::render
