// NoCloud's meta-data, the second file of a seed volume beside user-data. cloud-init reads two
// keys of it here:
//
//   instance-id: prod-node-1-3f2a9c0d1e4b   <cluster>-<node>-<first 12 hex digits of the bundle's SHA-256>
//   local-hostname: node-1
//
// cloud-init runs its once-per-instance modules (write_files, runcmd) again only when the
// instance-id changes. Naming the node and the bundle in it makes a seed made for another node
// or for a new bundle count as a new instance, while booting twice from the same seed does not
// redo the first boot.
#pragma once

#include <string>

#include "render/bundle_ref.h"
#include "spec/cluster.h"

namespace bundle::deliver {

std::string instance_id(const spec::Cluster& cluster, const spec::Node& node, const render::BundleRef& bundle);
std::string render_meta_data(const spec::Cluster& cluster, const spec::Node& node, const render::BundleRef& bundle);

}  // namespace bundle::deliver
