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
    //
    // The ordering. The unit runs after cloud-final.service: at first boot runcmd (which
    // cloud-final runs) enables and starts it with --no-block, and the start waits until
    // cloud-final is over, every file of the user-data in place. At a later boot it is started
    // because multi-user.target wants it (enabled). But Debian's and Ubuntu's cloud-final.service
    // is After=multi-user.target, and a target is ordered after every unit it wants unless that
    // unit has DefaultDependencies=no (systemd src/core/unit.c,
    // unit_add_default_target_dependency: "if either side wants no automatic dependencies");
    // with the defaults, multi-user.target -> bundle-bootstrap -> cloud-final -> multi-user.target
    // is a cycle, and systemd deletes this unit's start job to break it: a rebooted node never
    // resumed. So the defaults are off and those that matter are spelled out (sysinit, basic,
    // shutdown); multi-user.target, not waiting for it, is also reached while an install runs
    // for an hour. tests/render/bootstrap_unit_test.cpp checks the ordering with
    // `systemd-analyze verify` against Debian 12's and Ubuntu 24.04's cloud-init units.
    return std::string("[Unit]\n"
                       "Description=bundle node bootstrap: get the bundle, check it, run the node agent\n"
                       "DefaultDependencies=no\n"
                       "Requires=sysinit.target\n"
                       "Wants=network-online.target\n"
                       "After=sysinit.target basic.target network-online.target cloud-final.service\n"
                       "Conflicts=shutdown.target\n"
                       "Before=shutdown.target\n\n"
                       "[Service]\n"
                       "Type=oneshot\n"
                       "ExecStart=/bin/sh ") +
           kBootstrapPath +
           "\n"
           "Restart=on-failure\n"
           "RestartSec=60\n"
           "TimeoutStartSec=infinity\n\n"
           "[Install]\n"
           "WantedBy=" +
           kBootstrapWantedBy + "\n";
}

}  // namespace bundle::render
