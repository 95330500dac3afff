#include "render/node_delivery.h"

namespace bundle::render {

std::vector<NodeFile> NodeDelivery::files() const { return node_files(cluster, node(), secrets, bundle); }

Result<NodeDelivery> prepare_node(const std::filesystem::path& cluster_file, const std::string& node_name,
                                  const std::string& bundle_path, unsigned jobs) {
    auto cluster = spec::load_cluster(cluster_file);
    if (!cluster) return std::move(cluster).error();
    const spec::Node* node = cluster->find_node(node_name);
    if (node == nullptr) {
        std::string names;
        for (const auto& n : cluster->nodes) names += (names.empty() ? "" : ", ") + n.name;
        return Error{Code::usage, cluster_file.string(), "has no node '" + node_name + "' (nodes: " + names + ")"};
    }
    NodeDelivery delivery;
    delivery.node_index = static_cast<std::size_t>(node - cluster->nodes.data());
    auto secrets = spec::load_secrets(*cluster);
    if (!secrets) return std::move(secrets).error();
    auto bundle = describe_bundle(bundle_path, secrets->signing_key.public_key(), jobs);
    if (!bundle) return std::move(bundle).error();
    auto user_data = render_user_data(*cluster, *node, *secrets, *bundle);
    if (!user_data) return std::move(user_data).error();
    delivery.cluster = std::move(*cluster);
    delivery.secrets = std::move(*secrets);
    delivery.bundle = std::move(*bundle);
    delivery.bundle_path = bundle_path;
    delivery.user_data = std::move(*user_data);
    return delivery;
}

}  // namespace bundle::render
