// /etc/bundle/node.yaml: everything the node agent needs to know about its node and cluster,
// written by the user-data with mode 0600 because it holds the node's WireGuard private key and
// the K3s token. The list of nodes is the same on every node (numbered in the order of
// cluster.yaml, which the bootstrap protocol relies on); only `self` and the keys differ.
//
//   apiVersion: bundle/v1
//   kind: NodeConfig
//   cluster: prod
//   self: node-1
//   nodes: [{name, number, public_ipv4, mesh_ipv4, wireguard_public_key}, ...]
//   mesh: {subnet, port, agent_port, interface}
//   wireguard_private_key: <base64>
//   k3s: {token, tls_names, settings: {...}, settings_digest: sha256:...}
//   ssh_authorized_keys: [...]
//   gitops: {repository, revision, path, deploy_key?}   (when the cluster has one)
//   bundle: {file, image, version, sha256, agent_sha256, signing_key, sources: [...]}
#pragma once

#include <string>

#include "render/bundle_ref.h"
#include "render/server_settings.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::render {

inline constexpr char kMeshInterface[] = "wg-mesh";

std::string render_node_config(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets,
                               const BundleRef& bundle, const ServerSettings& settings);

// The bundle's URLs: every bundle_sources entry with "{file}" replaced by the bundle's file name.
std::vector<std::string> bundle_urls(const spec::Cluster& cluster, const BundleRef& bundle);

}  // namespace bundle::render
