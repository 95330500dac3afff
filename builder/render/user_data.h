// A node's user-data: the `#cloud-config` document an operator pastes into the provider's panel
// (or that `bundle image` puts on a seed volume). cloud-init writes the files below (the list of
// render/node_files.h, which `bundle push` writes too) at first boot and enables and starts the
// unit that runs the bootstrap script (render/bootstrap.h):
//
//   /etc/bundle/node.yaml                        0600  the node's configuration (node_config.h)
//   /etc/bundle/wireguard.key                    0640  root:systemd-network, for networkd
//   /etc/systemd/network/60-wg-mesh.netdev       0644  the mesh (networkd.h)
//   /etc/systemd/network/60-wg-mesh.network      0644
//   /etc/bundle/bootstrap.env                    0644  what the bootstrap script reads
//   /usr/local/lib/bundle/bootstrap.sh           0755  cloud-init/bootstrap.sh
//   /etc/systemd/system/bundle-bootstrap.service 0644  runs it until the node is installed
//
// Panels take at most 16 KiB. When the plain document is larger, the largest files are written
// gzip+base64 (`encoding: gz+b64`), largest first, until it fits; if even that is not enough,
// rendering fails with the size. All nodes' documents are alike except for what names the node:
// its name, addresses, keys and peers.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.h"
#include "render/bootstrap.h"
#include "render/bundle_ref.h"
#include "render/server_settings.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::render {

inline constexpr std::size_t kMaxUserDataBytes = 16 * 1024;
inline constexpr char kNodeConfigPath[] = "/etc/bundle/node.yaml";

struct UserData {
    std::string text;
    std::vector<std::string> compressed;  // paths of the files written gzip+base64
};

struct UserDataOptions {
    std::size_t limit = kMaxUserDataBytes;
    ServerSettings settings;
};

Result<UserData> render_user_data(const spec::Cluster& cluster, const spec::Node& node, const spec::Secrets& secrets,
                                  const BundleRef& bundle, const UserDataOptions& options = {});

}  // namespace bundle::render
