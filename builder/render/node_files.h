// The files a node needs before its node agent can run, one list for every way of delivering
// them: the user-data's `write_files` (render_user_data), and `bundle push`, which writes the
// same files over SSH with the same owners and modes. Keeping one list means a node installed
// from a panel and one installed by push cannot drift apart.
//
//   /etc/bundle/node.yaml                        0600  root:root              node_config.h
//   /etc/bundle/wireguard.key                    0640  root:systemd-network   for networkd
//   /etc/systemd/network/60-wg-mesh.netdev       0644  root:root              networkd.h
//   /etc/systemd/network/60-wg-mesh.network      0644  root:root
//   /etc/bundle/bootstrap.env                    0644  root:root              bootstrap.h
//   /usr/local/lib/bundle/bootstrap.sh           0755  root:root              cloud-init/bootstrap.sh
//   /etc/systemd/system/bundle-bootstrap.service 0644  root:root
//
// The first two hold secrets (node.yaml: the K3s token and any GitOps deploy key; wireguard.key:
// the node's WireGuard key, kept only there): whoever carries the list keeps it out of logs and
// argv.
#pragma once

#include <string>
#include <vector>

#include "render/bundle_ref.h"
#include "render/server_settings.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::render {

struct NodeFile {
    std::string path;     // absolute, on the node
    std::string owner;    // "user:group"
    unsigned mode = 0;    // permission bits, e.g. 0600
    std::string content;  // the file's bytes
};

std::vector<NodeFile> node_files(const spec::Cluster& cluster, const spec::Node& node, const spec::Secrets& secrets,
                                 const BundleRef& bundle, const ServerSettings& settings = {});

// "0600": the mode as cloud-init's `permissions` and chmod take it.
std::string mode_text(unsigned mode);

}  // namespace bundle::render
