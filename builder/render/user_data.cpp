#include "render/user_data.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <numeric>

#include "render/gzip.h"
#include "render/node_files.h"
#include "sign/base64.h"

namespace bundle::render {
namespace {

// A write_files entry: one of the node's files, possibly gzip+base64 encoded to fit the limit.
struct File {
    NodeFile file;
    bool gzipped = false;
};

std::vector<File> files_of(const spec::Cluster& cluster, const spec::Node& node, const spec::Secrets& secrets,
                           const BundleRef& bundle, const ServerSettings& settings) {
    std::vector<File> files;
    for (auto& file : node_files(cluster, node, secrets, bundle, settings)) files.push_back({std::move(file)});
    return files;
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
        out << YAML::Key << "path" << YAML::Value << file.file.path;
        out << YAML::Key << "owner" << YAML::Value << file.file.owner;
        out << YAML::Key << "permissions" << YAML::Value << YAML::SingleQuoted << mode_text(file.file.mode);
        if (file.gzipped) {
            out << YAML::Key << "encoding" << YAML::Value << "gz+b64";
            out << YAML::Key << "content" << YAML::Value << file.file.content;
        } else {
            out << YAML::Key << "content" << YAML::Value << YAML::Literal << file.file.content;
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
                     [&](std::size_t a, std::size_t b) { return files[a].file.content.size() > files[b].file.content.size(); });
    for (std::size_t i : by_size) {
        if (result.text.size() <= options.limit) break;
        auto packed = gzip(files[i].file.content);
        if (!packed) return std::move(packed).error();
        files[i].file.content = sign::base64_encode(*packed);
        files[i].gzipped = true;
        result.compressed.push_back(files[i].file.path);
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
