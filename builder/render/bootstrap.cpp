#include "render/bootstrap.h"

#include <vector>

#include "render/node_config.h"
#include "render/user_data.h"

namespace bundle::render {
namespace {

std::string words(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
    return out;
}

}  // namespace

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string render_bootstrap_env(const spec::Cluster& cluster, const spec::Node& node, const BundleRef& bundle) {
    std::vector<std::string> peers;
    for (const auto& peer : cluster.nodes)
        if (peer.name != node.name) peers.push_back(peer.mesh_ipv4);
    return "# Read by " + std::string(kBootstrapPath) + "; written by the user-data of " + node.name + ".\n" +
           "BUNDLE_FILE=" + shell_quote(bundle.file_name) + "\n" + "BUNDLE_SHA256=" + shell_quote(bundle.sha256) +
           "\n" + "AGENT_SHA256=" + shell_quote(bundle.agent_sha256) + "\n" +
           "AGENT_PORT=" + shell_quote(std::to_string(cluster.mesh.agent_port)) + "\n" +
           "NODE_CONFIG=" + shell_quote(kNodeConfigPath) + "\n" + "PEERS=" + shell_quote(words(peers)) + "\n" +
           "SOURCES=" + shell_quote(words(bundle_urls(cluster, bundle))) + "\n";
}

std::string render_bootstrap_unit() {
    // Type=oneshot with Restart=on-failure needs systemd 244; Debian 12 has 252, Ubuntu 24.04 255.
    // After cloud-final: the unit is enabled from runcmd, and the user-data's other files are
    // all in place by then.
    return std::string("[Unit]\n"
                       "Description=bundle node bootstrap: get the bundle, check it, run the node agent\n"
                       "Wants=network-online.target\n"
                       "After=network-online.target cloud-final.service\n\n"
                       "[Service]\n"
                       "Type=oneshot\n"
                       "ExecStart=/bin/sh ") +
           kBootstrapPath +
           "\n"
           "Restart=on-failure\n"
           "RestartSec=60\n"
           "TimeoutStartSec=infinity\n\n"
           "[Install]\n"
           "WantedBy=multi-user.target\n";
}

}  // namespace bundle::render
