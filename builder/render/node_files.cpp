#include "render/node_files.h"

#include <cstdio>

#include "render/bootstrap.h"
#include "render/embedded.h"
#include "render/networkd.h"
#include "render/node_config.h"
#include "render/user_data.h"

namespace bundle::render {

std::vector<NodeFile> node_files(const spec::Cluster& cluster, const spec::Node& node, const spec::Secrets& secrets,
                                 const BundleRef& bundle, const ServerSettings& settings) {
    return {
        {kNodeConfigPath, "root:root", 0600, render_node_config(cluster, node, secrets, bundle, settings)},
        {kWireGuardKeyPath, "root:systemd-network", 0640, secrets.nodes.at(node.name).wireguard_private + "\n"},
        {kNetdevPath, "root:root", 0644, render_netdev(cluster, node, secrets)},
        {kNetworkPath, "root:root", 0644, render_network(cluster, node)},
        {kBootstrapEnvPath, "root:root", 0644, render_bootstrap_env(cluster, node, bundle)},
        {kBootstrapPath, "root:root", 0755, std::string(bootstrap_script())},
        {kBootstrapUnitPath, "root:root", 0644, render_bootstrap_unit()},
    };
}

std::string mode_text(unsigned mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", mode & 07777u);
    return text;
}

}  // namespace bundle::render
