// The `mesh` section of a cluster definition: the subnet the WireGuard mesh uses and the two
// ports every node opens on it, checked against what the nodes already use (K3s's ranges,
// Cilium's and K3s's ports). Part of the parser of spec/cluster.h.
#include <array>
#include <string>

#include "spec/cluster_parts.h"

namespace bundle::spec {
namespace {

// A /31 or /32 leaves no room for three nodes; a /7 or wider would swallow other networks.
constexpr int min_mesh_prefix = 8;
constexpr int max_mesh_prefix = 30;

constexpr std::uint32_t quad(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

// A range or port something else on the nodes already uses, and what that is.
struct TakenRange {
    Ipv4Subnet subnet;
    const char* user;
};
struct TakenPort {
    std::uint16_t port;
    const char* user;
};

// The cluster runs K3s with its default cluster CIDR and service CIDR: a mesh inside either
// would route pod or service traffic into the tunnel, or the tunnel's into a pod.
constexpr std::array<TakenRange, 2> k3s_ranges{{
    {{quad(10, 42, 0, 0), 16}, "K3s's pod range"},
    {{quad(10, 43, 0, 0), 16}, "K3s's service range"},
}};

// UDP ports a node already uses: Cilium's VXLAN overlay between the nodes (WireGuard would
// fail to bind it, or take the overlay's packets).
constexpr std::array<TakenPort, 1> taken_udp_ports{{
    {8472, "Cilium's VXLAN overlay (UDP)"},
}};

// TCP ports a node already listens on; the agent could not bind them, or would shadow them.
constexpr std::array<TakenPort, 14> taken_tcp_ports{{
    {22, "SSH"},
    {80, "HTTP"},
    {443, "HTTPS"},
    {2379, "etcd's client port"},
    {2380, "etcd's peer port"},
    {4240, "Cilium's health checks"},
    {4244, "Hubble's server"},
    {4245, "Hubble Relay"},
    {6443, "the K3s API server"},
    {9962, "Cilium's agent metrics"},
    {9963, "Cilium's operator metrics"},
    {9964, "Cilium's Envoy metrics"},
    {10250, "the kubelet"},
    {10256, "kube-proxy's health check"},
}};


// A port as a plain decimal integer: "7443" in quotes is a string in YAML, and 07443 is octal
// to a YAML 1.1 reader.
std::optional<std::uint16_t> read_port(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    unsigned port = 0;
    bool digits =
        !text->empty() && text->size() <= 5 && text->front() != '0' && field.value.Tag() != "!";
    for (char c : *text) {
        digits = digits && c >= '0' && c <= '9';
        port = digits ? port * 10 + static_cast<unsigned>(c - '0') : 0;
    }
    if (!digits || port > 65535) {
        errors.add(field.value_at(errors), quote_value(field.key) +
                                               " must be an integer from 1 to 65535, found " +
                                               quote_value(*text));
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(port);
}

// The port of `field` when it is one and no service in `taken` uses it.
template <std::size_t N>
std::optional<std::uint16_t> read_free_port(const Field& field,
                                            const std::array<TakenPort, N>& taken,
                                            YamlErrors& errors) {
    auto port = read_port(field, errors);
    if (!port)
        return std::nullopt;
    for (const TakenPort& use : taken) {
        if (use.port == *port) {
            errors.add(field.value_at(errors), field.key + " " + std::to_string(*port) +
                                                   " is taken by " + use.user +
                                                   "; pick a port nothing else on the nodes uses");
            return std::nullopt;
        }
    }
    return port;
}

// WireGuard's port (UDP) and the agent's (TCP). They could share a number, but one number for
// two services is a mistake more often than a choice, and the firewall rules read better apart.
void read_ports(const Mapping& map, Mesh& mesh, YamlErrors& errors) {
    const Field* port = map.find("port");
    const Field* agent_port = map.find("agent_port");
    bool read = true;
    if (port != nullptr) {
        auto value = read_free_port(*port, taken_udp_ports, errors);
        read = value.has_value();
        mesh.port = value.value_or(mesh.port);
    }
    if (agent_port != nullptr) {
        auto value = read_free_port(*agent_port, taken_tcp_ports, errors);
        read = read && value.has_value();
        mesh.agent_port = value.value_or(mesh.agent_port);
    }
    if (read && mesh.port == mesh.agent_port) {
        const Field* later = agent_port != nullptr ? agent_port : port;
        errors.add(later->value_at(errors),
                   "agent_port must differ from port (both are " + std::to_string(mesh.port) + ")");
    }
}

// Why `subnet` cannot be the mesh, or nullopt when it can: it must be private address space
// (the mesh's addresses must never be mistaken for, or routed to, hosts on the internet) and
// stay clear of the ranges K3s gives pods and services.
std::optional<std::string> mesh_subnet_problem(const Ipv4Subnet& subnet) {
    const std::string name = "mesh.subnet " + subnet.to_string();
    if (!ipv4_is_private(subnet))
        return name +
               " is not private address space; it must lie inside 10.0.0.0/8, "
               "172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10";
    for (const TakenRange& range : k3s_ranges) {
        if (subnet.overlaps(range.subnet))
            return name + " overlaps " + range.user + " " + range.subnet.to_string() +
                   " (the cluster uses K3s's default pod and service ranges, 10.42.0.0/16 and "
                   "10.43.0.0/16)";
    }
    return std::nullopt;
}

}  // namespace

// The mesh settings, and the subnet when it is valid (nodes' mesh addresses are checked
// against it).
std::optional<Ipv4Subnet> read_mesh(const Field* field, Mesh& mesh, YamlErrors& errors) {
    const Ipv4Subnet subnet = std::get<Ipv4Subnet>(parse_ipv4_subnet(mesh.subnet, 0, 32));
    mesh.network = subnet.network;  // the default subnet's, in case no other is given
    mesh.prefix = subnet.prefix;
    if (field == nullptr || field->value.IsNull())
        return subnet;
    Mapping map = Mapping::read(field->value, "mesh", {"subnet", "port", "agent_port"}, errors);
    std::optional<Ipv4Subnet> valid = subnet;
    if (const Field* key = map.find("subnet")) {
        valid.reset();
        if (auto text = scalar_value(*key, errors)) {
            auto parsed = parse_ipv4_subnet(*text, min_mesh_prefix, max_mesh_prefix);
            if (auto* problem = std::get_if<std::string>(&parsed))
                errors.add(key->value_at(errors), "subnet " + quote_value(*text) + " " + *problem);
            else if (auto wrong = mesh_subnet_problem(std::get<Ipv4Subnet>(parsed)))
                errors.add(key->value_at(errors), std::move(*wrong));
            else
                valid = std::get<Ipv4Subnet>(parsed);
        }
    }
    if (valid) {
        mesh.subnet = valid->to_string();
        mesh.network = valid->network;
        mesh.prefix = valid->prefix;
    }
    read_ports(map, mesh, errors);
    return valid;
}

}  // namespace bundle::spec
