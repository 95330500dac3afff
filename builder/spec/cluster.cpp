#include "spec/cluster.h"

#include <array>
#include <utility>

#include "spec/artifact_origin.h"
#include "spec/cluster_parts.h"
#include "spec/small_file.h"
#include "spec/ssh_key.h"
#include "spec/url.h"

namespace bundle::spec {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t max_definition_size = 1024 * 1024;
constexpr std::size_t max_dns_label = 63;
constexpr std::size_t max_dns_name = 253;
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

void expect_exactly(const Mapping& top, std::string_view key, std::string_view expected,
                    YamlErrors& errors) {
    const Field* field = top.require(key, errors);
    if (field == nullptr)
        return;
    auto text = scalar_value(*field, errors);
    if (text && *text != expected) {
        errors.add(field->value_at(errors), std::string(key) + " must be " + quote_value(expected) +
                                                ", found " + quote_value(*text));
    }
}

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

// A sequence field that must list at least one item.
std::vector<ListItem> read_required_list(const Field& field, std::string_view what,
                                         YamlErrors& errors) {
    auto items = read_scalar_list(field, errors);
    if (field.value.IsNull() || (field.value.IsSequence() && field.value.size() == 0))
        errors.add(field.value_at(errors),
                   quote_value(field.key) + " must list at least one " + std::string(what));
    return items;
}

std::vector<std::string> read_authorized_keys(const Field& field, YamlErrors& errors) {
    std::vector<std::string> keys;
    for (ListItem& item : read_required_list(field, "OpenSSH public key", errors)) {
        if (auto problem = ssh_public_key_problem(item.text))
            errors.add(item.node, "ssh_authorized_keys: " + *problem);
        else
            keys.push_back(std::move(item.text));
    }
    return keys;
}

// A label of a DNS name; unlike a node name it may hold capitals (DNS ignores case).
bool is_host_label(std::string_view label) {
    std::string lower(label);
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return is_dns_label(lower);
}

// Why `name` is not a DNS name (dot-separated labels of letters, digits and inner hyphens),
// or nullopt when it is. A name whose last label is all digits would be an address: it is
// reported so that a mistyped IPv4 address is not taken for a name.
std::optional<std::string> dns_name_problem(std::string_view name) {
    if (name.empty() || name.size() > max_dns_name)
        return "must be an IPv4 address or a DNS name of 1 to 253 characters";
    if (name.back() == '.')
        return "must not end with a dot";
    std::string_view label;
    for (std::size_t start = 0; start != std::string_view::npos;) {
        auto dot = name.find('.', start);
        label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (!is_host_label(label))
            return "is neither an IPv4 address nor a DNS name (labels of letters, digits and "
                   "inner hyphens, separated by dots)";
        start = dot == std::string_view::npos ? dot : dot + 1;
    }
    if (label.find_first_not_of("0123456789") == std::string_view::npos)
        return "is not a valid IPv4 address";
    return std::nullopt;
}

std::vector<std::string> read_tls_names(const Field& field, YamlErrors& errors) {
    std::vector<std::string> names;
    for (ListItem& item : read_scalar_list(field, errors)) {
        if (parse_ipv4(item.text)) {
            names.push_back(std::move(item.text));
        } else if (auto problem = dns_name_problem(item.text)) {
            errors.add(item.node, "tls_names: " + quote_value(item.text) + " " + *problem);
        } else {
            names.push_back(std::move(item.text));
        }
    }
    return names;
}

// Why `source` is not a bundle source, or nullopt when it is. "{file}" is the one placeholder;
// any other brace is a typo ("{File}", "{version}") that would otherwise be fetched literally.
std::optional<std::string> source_problem(const std::string& source) {
    std::string expanded;
    for (std::size_t i = 0; i < source.size(); ++i) {
        if (source.compare(i, 6, "{file}") == 0) {
            expanded += "x.bundle";
            i += 5;
        } else if (source[i] == '{' || source[i] == '}') {
            return "has a brace that is not part of {file}, the only placeholder";
        } else {
            expanded += source[i];
        }
    }
    return http_url_problem(expanded);
}

std::vector<std::string> read_bundle_sources(const Field& field, YamlErrors& errors) {
    std::vector<std::string> sources;
    for (ListItem& item : read_required_list(field, "URL", errors)) {
        if (auto problem = source_problem(item.text))
            errors.add(item.node, "bundle source " + quote_value(item.text) + ": " + *problem);
        else
            sources.push_back(std::move(item.text));
    }
    return sources;
}

Cluster read_cluster(const YAML::Node& root, const fs::path& file, YamlErrors& errors) {
    Cluster cluster;
    cluster.file = file;
    const fs::path folder = file.parent_path();
    cluster.secrets = (folder / "secrets").lexically_normal();
    Mapping top =
        Mapping::read(root, "cluster",
                      {"apiVersion", "kind", "name", "mesh", "nodes", "ssh_authorized_keys",
                       "tls_names", "gitops", "bundle_sources", "secrets"},
                      errors);
    if (!top.is_mapping())
        return cluster;
    expect_exactly(top, "apiVersion", "bundle/v1", errors);
    expect_exactly(top, "kind", "Cluster", errors);
    if (const Field* field = top.require("name", errors))
        cluster.name = read_dns_label(*field, "cluster name", errors).value_or("");
    auto subnet = read_mesh(top.find("mesh"), cluster.mesh, errors);
    if (const Field* field = top.require("nodes", errors))
        cluster.nodes = read_nodes(*field, subnet, errors);
    if (const Field* field = top.require("ssh_authorized_keys", errors))
        cluster.ssh_authorized_keys = read_authorized_keys(*field, errors);
    if (const Field* field = top.find("tls_names"))
        cluster.tls_names = read_tls_names(*field, errors);
    if (const Field* field = top.find("gitops"))
        cluster.gitops = read_gitops(*field, errors);
    if (const Field* field = top.require("bundle_sources", errors))
        cluster.bundle_sources = read_bundle_sources(*field, errors);
    if (const Field* field = top.find("secrets"))
        cluster.secrets = read_local_path(*field, folder, errors).value_or(cluster.secrets);
    return cluster;
}

bool has_only(std::string_view text, std::string_view allowed) {
    return !text.empty() && text.find_first_not_of(allowed) == std::string_view::npos;
}

// A YAML 1.1 date: four digits, a hyphen, one or two digits, a hyphen, one or two digits.
bool is_yaml_date(std::string_view text) {
    auto first = text.find('-');
    auto second = first == std::string_view::npos ? first : text.find('-', first + 1);
    if (first != 4 || second == std::string_view::npos)
        return false;
    std::string_view month = text.substr(first + 1, second - first - 1);
    std::string_view day = text.substr(second + 1);
    constexpr std::string_view digits = "0123456789";
    return has_only(text.substr(0, 4), digits) && month.size() <= 2 && has_only(month, digits) &&
           day.size() <= 2 && has_only(day, digits);
}

// [0-9]+e-?[0-9]+: a number with an exponent in YAML 1.2 ("1e3"; PyYAML wants a dot).
bool is_exponent_number(std::string_view text) {
    auto e = text.find('e');
    if (e == std::string_view::npos)
        return false;
    std::string_view exponent = text.substr(e + 1);
    if (exponent.starts_with('-'))
        exponent.remove_prefix(1);
    return has_only(text.substr(0, e), "0123456789") && has_only(exponent, "0123456789");
}

// Why a YAML reader would not take the DNS label `name`, written unquoted, for a string, or
// nullopt when it would. Cluster and node names become host names and YAML keys and values in
// the nodes' user-data, which cloud-init reads with PyYAML (YAML 1.1): a name it reads as a
// boolean, null, number or date is at best quoted everywhere and at worst renamed ("017" is 15).
std::optional<std::string> yaml_non_string_problem(std::string_view name) {
    constexpr std::string_view cloud_init = " by cloud-init's YAML (YAML 1.1); ";
    constexpr std::string_view pick_letter = "pick a name with a letter";
    constexpr std::string_view pick_other = "pick another name";
    constexpr std::string_view pick_start = "pick a name that starts with a letter";
    constexpr std::string_view digits = "0123456789";
    if (name == "yes" || name == "no" || name == "on" || name == "off" || name == "true" ||
        name == "false")
        return "is read as a boolean" + std::string(cloud_init) + std::string(pick_other);
    if (name == "y" || name == "n")
        return "is read as a boolean by YAML 1.1 readers; " + std::string(pick_other);
    if (name == "null")
        return "is read as null" + std::string(cloud_init) + std::string(pick_other);
    if (has_only(name, digits))
        return "is read as a number" + std::string(cloud_init) + std::string(pick_letter);
    if (is_yaml_date(name))
        return "is read as a date" + std::string(cloud_init) + std::string(pick_letter);
    if (name.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos)
        return "has no letter; YAML 1.1 (cloud-init's YAML) reads many such names as numbers or "
               "dates; " +
               std::string(pick_letter);
    if ((name.starts_with("0x") && has_only(name.substr(2), "0123456789abcdef")) ||
        (name.starts_with("0b") && has_only(name.substr(2), "01")))
        return "is read as a number" + std::string(cloud_init) + std::string(pick_start);
    if ((name.starts_with("0o") && has_only(name.substr(2), "01234567")) ||
        is_exponent_number(name))
        return "is read as a number by YAML 1.2 readers; " + std::string(pick_start);
    return std::nullopt;
}

}  // namespace

bool is_dns_label(std::string_view text) {
    if (text.empty() || text.size() > max_dns_label || text.front() == '-' || text.back() == '-')
        return false;
    for (char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

std::optional<std::string> read_dns_label(const Field& field, std::string_view what,
                                          YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (text->size() > max_dns_label) {
        errors.add(field.value_at(errors), std::string(what) + " is longer than 63 characters");
        return std::nullopt;
    }
    if (!is_dns_label(*text)) {
        errors.add(field.value_at(errors), std::string(what) +
                                               " must match [a-z0-9]([a-z0-9-]*[a-z0-9])?, found " +
                                               quote_value(*text));
        return std::nullopt;
    }
    if (auto problem = yaml_non_string_problem(*text)) {
        errors.add(field.value_at(errors),
                   std::string(what) + " " + quote_value(*text) + " " + *problem);
        return std::nullopt;
    }
    return text;
}

std::vector<ListItem> read_scalar_list(const Field& field, YamlErrors& errors) {
    if (field.value.IsNull())
        return {};
    if (!field.value.IsSequence()) {
        errors.add(field.value_at(errors),
                   quote_value(field.key) + " must be a sequence, found " + kind_of(field.value));
        return {};
    }
    std::vector<ListItem> items;
    for (const YAML::Node& item : field.value) {
        if (item.IsScalar())
            items.push_back(ListItem{item.Scalar(), item});
        else
            errors.add(item, "an item of " + quote_value(field.key) + " must be a scalar, found " +
                                 kind_of(item));
    }
    return items;
}

const Node* Cluster::find_node(std::string_view node_name) const {
    for (const Node& node : nodes) {
        if (node.name == node_name)
            return &node;
    }
    return nullptr;
}

Result<Cluster> parse_cluster(std::string_view yaml_text, const fs::path& file) {
    return parse_document<Cluster>(yaml_text, file.string(), [&](const YAML::Node& root, YamlErrors& errors) {
        return read_cluster(root, file, errors);
    });
}

Result<Cluster> load_cluster(const fs::path& file) {
    auto text = read_small_file(file, max_definition_size, "cluster definition", "1 MiB");
    if (!text)
        return std::move(text).error();
    return parse_cluster(*text, file);
}

}  // namespace bundle::spec
