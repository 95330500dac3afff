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
