// What every way of handing a node its user-data starts from (`bundle cloud-init` prints it,
// `bundle image` puts it on a seed volume, `bundle push` writes its files over SSH): the cluster
// definition, the node, the cluster's secrets, and the bundle, verified byte for byte with the
// cluster's signing key, read and checked in one order so that the three commands give the same
// errors and the same bytes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "render/bundle_ref.h"
#include "render/node_files.h"
#include "render/user_data.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::render {

struct NodeDelivery {
    spec::Cluster cluster;
    std::size_t node_index = 0;
    spec::Secrets secrets;
    BundleRef bundle;
    std::string bundle_path;
    UserData user_data;

    const spec::Node& node() const { return cluster.nodes[node_index]; }
    // The files the user-data writes, with their contents as written on the node (never
    // compressed): what `bundle push` writes instead.
    std::vector<NodeFile> files() const;
};

// Loads `cluster_file` and its secrets, finds `node_name` (an unknown name is Code::usage,
// listing the nodes), verifies the bundle at `bundle_path` on `jobs` threads and renders the
// node's user-data.
Result<NodeDelivery> prepare_node(const std::filesystem::path& cluster_file, const std::string& node_name,
                                  const std::string& bundle_path, unsigned jobs);

}  // namespace bundle::render
