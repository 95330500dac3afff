// /etc/bundle/node.yaml for one node: a nodeconf::NodeConfig filled from cluster.yaml, the
// secrets and the bundle, written as text by nodeconf::emit_node_config (nodeconf/node_config.h
// describes the format; the node agent reads it back with the same definition). The user-data
// writes it root:root, mode 0600, because it holds the K3s token and the GitOps deploy key.
#pragma once

#include <string>
#include <vector>

#include "nodeconf/node_config.h"
#include "render/bundle_ref.h"
#include "render/server_settings.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::render {

inline constexpr char kMeshInterface[] = "wg-mesh";

// What node.yaml says to `self`: every node numbered in cluster.yaml's order, the mesh, K3s's
// token and must-match settings, the GitOps root app (with the deploy key when the cluster has
// one) and the bundle.
nodeconf::NodeConfig node_config_of(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets,
                                    const BundleRef& bundle, const ServerSettings& settings);

// The text of node.yaml: emit_node_config(node_config_of(...)).
std::string render_node_config(const spec::Cluster& cluster, const spec::Node& self, const spec::Secrets& secrets,
                               const BundleRef& bundle, const ServerSettings& settings);

// The bundle's URLs: every bundle_sources entry with "{file}" replaced by the bundle's file name.
std::vector<std::string> bundle_urls(const spec::Cluster& cluster, const BundleRef& bundle);

}  // namespace bundle::render
