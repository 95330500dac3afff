// The `nodes` sequence of a cluster definition.
#include <map>
#include <utility>

#include "spec/cluster_parts.h"

namespace bundle::spec {
namespace {

constexpr std::size_t max_nodes = 7;

std::optional<std::uint32_t> read_address(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    auto address = parse_ipv4(*text);
    if (!address) {
        errors.add(field.value_at(errors), quote_value(field.key) + " " + quote_value(*text) +
                                               " is not an IPv4 address (four numbers 0-255 "
                                               "without leading zeros, such as 203.0.113.10)");
    }
    return address;
}

// The address the other nodes and the operator reach the node at; WireGuard peers use it as
// their endpoint, so it must be routable on the internet.
std::optional<std::uint32_t> read_public_address(const Field& field, YamlErrors& errors) {
    auto address = read_address(field, errors);
    if (!address)
        return std::nullopt;
    if (auto range = ipv4_not_public(*address)) {
        errors.add(field.value_at(errors), "public_ipv4 " + format_ipv4(*address) +
                                               " is not a public address: it is in " + *range);
        return std::nullopt;
    }
    return address;
}

std::optional<std::uint32_t> read_mesh_address(const Field& field,
                                               const std::optional<Ipv4Subnet>& subnet,
                                               YamlErrors& errors) {
    auto address = read_address(field, errors);
    if (!address || !subnet)
        return address;
    std::string problem;
    if (!subnet->contains(*address))
        problem = " is outside mesh.subnet " + subnet->to_string();
    else if (*address == subnet->network)
        problem = " is the network address of mesh.subnet " + subnet->to_string();
    else if (*address == subnet->broadcast())
        problem = " is the broadcast address of mesh.subnet " + subnet->to_string();
    if (problem.empty())
        return address;
    errors.add(field.value_at(errors), "mesh_ipv4 " + format_ipv4(*address) + problem);
    return std::nullopt;
}

// Why `target` cannot be given to ssh as its destination argument, or nullopt when it can.
std::optional<std::string> ssh_target_problem(std::string_view target) {
    for (char c : target) {
        auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f)
            return "must not contain spaces or control characters";
    }
    if (target.starts_with('-'))
        return "must not start with '-' (ssh would take it as an option)";
    auto at = target.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == target.size() ||
        target.find('@', at + 1) != std::string_view::npos)
        return "must be written user@host";
    if (target[at + 1] == '-')
        return "must not name a host starting with '-'";
    return std::nullopt;
}

std::optional<std::string> read_ssh_target(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (auto problem = ssh_target_problem(*text)) {
        errors.add(field.value_at(errors), "ssh " + quote_value(*text) + " " + *problem);
        return std::nullopt;
    }
    return text;
}

// What earlier nodes used, value -> line, so that a repeat names the line of the first.
struct SeenValues {
    std::map<std::string, int, std::less<>> names;
    std::map<std::string, int, std::less<>> public_addresses;
    std::map<std::string, int, std::less<>> mesh_addresses;
};

// Records `value` read at `where`, or reports it when an earlier node already has it.
void note_unique(std::map<std::string, int, std::less<>>& seen, std::string_view what,
                 const std::string& value, const Location& where, YamlErrors& errors) {
    auto [it, inserted] = seen.emplace(value, where.line);
    if (!inserted) {
        errors.add(where, "duplicate " + std::string(what) + " " + quote_value(value) +
                              " (first at line " + std::to_string(it->second) + ")");
    }
}

Node read_node(const YAML::Node& item, const std::optional<Ipv4Subnet>& subnet, SeenValues& seen,
               YamlErrors& errors) {
    Node node;
    node.where = errors.at(item);
    Mapping map = Mapping::read(item, "node", {"name", "public_ipv4", "mesh_ipv4", "ssh"}, errors);
    if (const Field* field = map.require("name", errors)) {
        if (auto name = read_dns_label(*field, "node name", errors)) {
            node.name = std::move(*name);
            note_unique(seen.names, "node name", node.name, field->value_at(errors), errors);
        }
    }
    if (const Field* field = map.require("public_ipv4", errors)) {
        if (auto address = read_public_address(*field, errors)) {
            node.public_ipv4 = format_ipv4(*address);
            note_unique(seen.public_addresses, "public_ipv4", node.public_ipv4,
                        field->value_at(errors), errors);
        }
    }
    if (const Field* field = map.require("mesh_ipv4", errors)) {
        if (auto address = read_mesh_address(*field, subnet, errors)) {
            node.mesh_ipv4 = format_ipv4(*address);
            note_unique(seen.mesh_addresses, "mesh_ipv4", node.mesh_ipv4, field->value_at(errors),
                        errors);
        }
    }
    if (const Field* field = map.find("ssh"))
        node.ssh = read_ssh_target(*field, errors);
    return node;
}

// etcd commits a write once a majority of its members agree: 3 members survive one failure,
// 4 also only one (and a 2-2 split stops both halves), so an even count adds risk, not safety.
void check_count(const Field& field, std::size_t count, YamlErrors& errors) {
    std::string problem;
    if (count == 0)
        problem = "nodes must list at least one node";
    else if (count > max_nodes)
        problem = "nodes lists " + std::to_string(count) + " nodes; at most 7 are supported";
    else if (count % 2 == 0)
        problem = "nodes lists " + std::to_string(count) +
                  " nodes; the number must be odd (1, 3, 5 or 7): HA etcd needs an odd number "
                  "of servers to keep a majority when one fails or the network splits";
    if (!problem.empty())
        errors.add(field.value_at(errors), std::move(problem));
}

}  // namespace

std::vector<Node> read_nodes(const Field& field, const std::optional<Ipv4Subnet>& subnet,
                             YamlErrors& errors) {
    if (!field.value.IsNull() && !field.value.IsSequence()) {
        errors.add(field.value_at(errors),
                   "nodes must be a sequence, found " + std::string(kind_of(field.value)));
        return {};
    }
    std::vector<Node> nodes;
    SeenValues seen;
    for (const YAML::Node& item : field.value)
        nodes.push_back(read_node(item, subnet, seen, errors));
    check_count(field, nodes.size(), errors);
    return nodes;
}

}  // namespace bundle::spec
