// /etc/bundle/node.yaml: everything the node agent needs to know about its node and its cluster,
// in one definition that both sides use. `bundle build` fills a NodeConfig from cluster.yaml and
// the secrets (render/node_config.h) and writes it with emit_node_config(); the user-data puts
// the text on the node (root:root, 0600); the agent reads it back with parse_node_config()
// (node/node_config.h checks the file's owner and mode first). Writer and reader used to be two
// definitions, and they drifted: the reader dropped the GitOps deploy key, and the writer kept a
// second copy of the WireGuard private key that nothing read. One struct, one emitter and one
// parser, with a round-trip test (tests/nodeconf/), keep the two sides the same file.
//
//   apiVersion: bundle/v1
//   kind: NodeConfig
//   cluster: prod
//   self: node-1
//   nodes: [{name, number, public_ipv4, mesh_ipv4, wireguard_public_key}, ...]
//   mesh: {subnet, port, agent_port, interface}
//   k3s: {token, tls_names, settings: {...}, settings_digest: sha256:...}
//   ssh_authorized_keys: [...]
//   gitops: {repository, revision, path, deploy_key?}   (when the cluster has one)
//   bundle: {file, image, version, size, sha256, agent_sha256, signing_key, sources: [...]}
//
// The list of nodes is the same on every node (numbered in the order of cluster.yaml, which the
// bootstrap protocol relies on); only `self` differs. Secrets: the K3s token and the GitOps deploy
// key. The node's WireGuard private key is not here: it has a file of its own,
// /etc/bundle/wireguard.key, which networkd reads (render/node_files.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace bundle::nodeconf {

struct Peer {
    std::string name;
    int number = 0;  // 1-based, in the order of cluster.yaml: the lowest initialises
    std::string public_ipv4;
    std::string mesh_ipv4;
    std::string wireguard_public_key;

    bool operator==(const Peer&) const = default;
};

struct GitOps {
    std::string repository;  // https://, ssh:// or git@host:path (spec/gitops.cpp checks it)
    std::string revision;
    std::string path;
    std::string deploy_key;  // SECRET: the repository's SSH private key; empty when it has none

    bool operator==(const GitOps&) const = default;
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

    bool operator==(const BundleInfo&) const = default;
};

struct NodeConfig {
    std::string path;  // where it was read from, for messages; not part of the file
    std::string cluster;
    std::string self;
    std::vector<Peer> nodes;  // every node, this one included, in number order
    std::string mesh_subnet;
    int mesh_port = 0;
    int agent_port = 0;
    std::string mesh_interface;
    std::string k3s_token;  // SECRET
    std::vector<std::string> tls_names;
    std::vector<std::pair<std::string, std::string>> settings;  // must-match, in file order
    std::string settings_digest;                                // "sha256:<hex>"
    std::vector<std::string> ssh_authorized_keys;
    std::optional<GitOps> gitops;
    BundleInfo bundle;

    bool operator==(const NodeConfig&) const = default;

    const Peer& me() const;  // the entry named `self` (parse_node_config guarantees it exists)
    std::vector<const Peer*> others() const;
};

// The text of node.yaml for `config` (its `path` is not written). Names and the revision are
// double-quoted: YAML 1.1 readers take some words (no, on, 123) for other types.
std::string emit_node_config(const NodeConfig& config);

// Reads node.yaml's text; `path` names the file in messages (file:line:col, every mistake at
// once) and becomes the result's `path`. Checks what one file can show: known keys of the right
// types, `self` one of the nodes, node numbers unique, and settings_digest equal to
// settings_digest(settings). Nothing secret is quoted in a message.
Result<NodeConfig> parse_node_config(std::string_view text, const std::string& path);

// "sha256:<hex>" of the must-match settings' canonical text: one "key=value\n" line per pair, in
// the order given (render::setting_pairs sorts them by key).
std::string settings_digest(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace bundle::nodeconf
