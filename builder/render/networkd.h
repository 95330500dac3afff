// The WireGuard mesh as systemd-networkd files, so that the mesh needs no tool beyond what
// Ubuntu 24.04 and Debian 12 ship: a .netdev (Kind=wireguard, one [WireGuardPeer] per other
// node, reached at its public address) and a .network giving the node its mesh address with the
// subnet's prefix, which also routes the whole subnet through the interface (networkd adds no
// routes for AllowedIPs by itself). The private key stays in its own file, readable by
// systemd-network only, as PrivateKeyFile= expects.
#pragma once

#include <string>

#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::render {

inline constexpr char kNetdevPath[] = "/etc/systemd/network/60-wg-mesh.netdev";
inline constexpr char kNetworkPath[] = "/etc/systemd/network/60-wg-mesh.network";
inline constexpr char kWireGuardKeyPath[] = "/etc/bundle/wireguard.key";

std::string render_netdev(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets);
std::string render_network(const spec::Cluster& cluster, const spec::Node& self);

}  // namespace bundle::render
