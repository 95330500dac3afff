#include "deliver/meta_data.h"

namespace bundle::deliver {

std::string instance_id(const spec::Cluster& cluster, const spec::Node& node, const render::BundleRef& bundle) {
    return cluster.name + "-" + node.name + "-" + bundle.sha256.substr(0, 12);
}

std::string render_meta_data(const spec::Cluster& cluster, const spec::Node& node, const render::BundleRef& bundle) {
    // Cluster and node names are DNS labels that YAML 1.1 reads as strings (spec/cluster.h), and
    // the digest is hex after a dash: no value here needs quoting.
    return "instance-id: " + instance_id(cluster, node, bundle) + "\nlocal-hostname: " + node.name + "\n";
}

}  // namespace bundle::deliver
