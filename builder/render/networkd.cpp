#include "render/networkd.h"

#include "render/node_config.h"

namespace bundle::render {

std::string render_netdev(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets) {
    std::string text = "[NetDev]\nName=" + std::string(kMeshInterface) +
                       "\nKind=wireguard\nDescription=WireGuard mesh of cluster " + cluster.name +
                       "\n\n[WireGuard]\nPrivateKeyFile=" + kWireGuardKeyPath +
                       "\nListenPort=" + std::to_string(cluster.mesh.port) + "\n";
    for (const auto& peer : cluster.nodes) {
        if (peer.name == self.name) continue;
        text += "\n[WireGuardPeer]\n# " + peer.name + "\nPublicKey=" + secrets.nodes.at(peer.name).wireguard_public +
                "\nAllowedIPs=" + peer.mesh_ipv4 + "/32\nEndpoint=" + peer.public_ipv4 + ":" +
                std::to_string(cluster.mesh.port) + "\nPersistentKeepalive=25\n";
    }
    return text;
}

std::string render_network(const spec::Cluster& cluster, const spec::Node& self) {
    return "[Match]\nName=" + std::string(kMeshInterface) + "\n\n[Network]\nAddress=" + self.mesh_ipv4 + "/" +
           std::to_string(cluster.mesh.prefix) + "\n";
}

}  // namespace bundle::render
