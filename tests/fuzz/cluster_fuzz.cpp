// Fuzz target: the cluster definition parser. Whatever the bytes, parse_cluster returns a Result
// (no crash, no exception, no hang, no sanitizer report), and a definition it accepts keeps the
// promises the renderers and the bootstrap protocol rely on: an odd number of nodes from 1 to 7,
// unique names, canonical and unique addresses, mesh addresses usable inside the mesh subnet, two
// different ports, at least one key and one bundle source.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "spec/cluster.h"
#include "spec/ipv4.h"

namespace {

bool canonical(const std::string& address) {
    auto parsed = bundle::spec::parse_ipv4(address);
    return parsed && bundle::spec::format_ipv4(*parsed) == address;
}

bool usable_mesh_address(const bundle::spec::Mesh& mesh, const std::string& address) {
    std::uint32_t mask = ~std::uint32_t{0} << (32 - mesh.prefix);
    std::uint32_t value = *bundle::spec::parse_ipv4(address);
    return (value & mask) == mesh.network && value != mesh.network &&
           value != (mesh.network | ~mask);
}

bool keeps_promises(const bundle::spec::Cluster& cluster) {
    const auto& nodes = cluster.nodes;
    if (nodes.empty() || nodes.size() > 7 || nodes.size() % 2 == 0)
        return false;
    if (cluster.mesh.port == cluster.mesh.agent_port || cluster.mesh.prefix < 8 ||
        cluster.mesh.prefix > 30 || cluster.ssh_authorized_keys.empty() ||
        cluster.bundle_sources.empty())
        return false;
    std::set<std::string> seen;
    for (const auto& node : nodes) {
        if (!canonical(node.public_ipv4) || !canonical(node.mesh_ipv4) ||
            !usable_mesh_address(cluster.mesh, node.mesh_ipv4) ||
            cluster.find_node(node.name) != &node)
            return false;
        if (!seen.insert("name " + node.name).second ||
            !seen.insert("public " + node.public_ipv4).second ||
            !seen.insert("mesh " + node.mesh_ipv4).second)
            return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto cluster = bundle::spec::parse_cluster(text, "fuzz/cluster.yaml");
    if (cluster && !keeps_promises(*cluster))
        std::abort();
    return 0;
}
