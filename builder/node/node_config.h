// /etc/bundle/node.yaml as the node agent reads it: the node's identity, its peers, its secrets
// and the bundle it installs. The file is written by the user-data (builder/render/node_config.h
// describes the format and writes it); the agent reads it at every start and never writes it.
//
// It holds the node's WireGuard private key and the K3s token, so it must belong to root and be
// readable by nobody else: a file that others can read is refused, naming the mode, before a
// byte of it is parsed. Mistakes are reported as file:line:col, every one at once, like the
// cluster definition's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace bundle::node {

struct Peer {
    std::string name;
    int number = 0;  // 1-based, in the order of cluster.yaml: the lowest initialises
    std::string public_ipv4;
    std::string mesh_ipv4;
    std::string wireguard_public_key;
};

struct GitOps {
    std::string repository;
    std::string revision;
    std::string path;
};

struct BundleInfo {
    std::string file;  // the bundle's file name, e.g. ovh-ha3-7.bundle
    std::string image;
    std::uint64_t version = 0;
    std::uint64_t size = 0;
    std::string sha256;        // of the whole file, hex
    std::string agent_sha256;  // of its bin/bundle, hex
    std::string signing_key;   // the public key that signed it (keygen's .pub format)
    std::vector<std::string> sources;
};

struct NodeConfig {
    std::string path;  // where it was read from, for messages
    std::string cluster;
    std::string self;
    std::vector<Peer> nodes;  // every node, this one included, in number order
    std::string mesh_subnet;
    int mesh_port = 0;
    int agent_port = 0;
    std::string mesh_interface;
    std::string wireguard_private_key;  // SECRET
    std::string k3s_token;              // SECRET
    std::vector<std::string> tls_names;
    std::vector<std::pair<std::string, std::string>> settings;  // must-match, in file order
    std::string settings_digest;                                // "sha256:<hex>"
    std::vector<std::string> ssh_authorized_keys;
    std::optional<GitOps> gitops;
    BundleInfo bundle;

    const Peer& me() const;  // the entry named `self` (load_node_config guarantees it exists)
    std::vector<const Peer*> others() const;
};

// Reads and checks `path`: owner and mode first (refused when group or others may read it,
// unless `allow_readable` — tests only), then the YAML. The settings digest is recomputed from
// the settings (render::settings_digest) and must equal settings_digest.
Result<NodeConfig> load_node_config(const std::string& path, bool allow_readable = false);

}  // namespace bundle::node
