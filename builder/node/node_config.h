// /etc/bundle/node.yaml as the node agent reads it: the node's identity, its peers, its secrets
// and the bundle it installs. The format, the struct and its parser are nodeconf/node_config.h,
// which the writer (render/node_config.h) uses too; the agent reads the file at every start and
// never writes it.
//
// It holds the K3s token and the GitOps deploy key, so it must belong to the user running the
// agent (root on a node) and be readable by nobody else: a file of another owner, or one that
// group or others can read, is refused, naming the owner or the mode, before a byte of it is
// parsed. Mistakes are reported as file:line:col, every one at once, like the cluster
// definition's.
#pragma once

#include <string>

#include "core/error.h"
#include "nodeconf/node_config.h"

namespace bundle::node {

// The names the agent and the peer protocol have always used for node.yaml's parts.
using nodeconf::BundleInfo;
using nodeconf::GitOps;
using nodeconf::NodeConfig;
using nodeconf::Peer;

// Reads and checks `path`: owner and mode first (refused unless it belongs to the effective
// user, and refused when group or others may read it unless `allow_readable`: tests and trial
// runs only), then the YAML (nodeconf::parse_node_config).
Result<NodeConfig> load_node_config(const std::string& path, bool allow_readable = false);

}  // namespace bundle::node
