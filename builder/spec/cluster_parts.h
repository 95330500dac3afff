// The pieces of the cluster definition parser (spec/cluster.h), one concept per file: the mesh
// (cluster_mesh.cpp), the node list (cluster_nodes.cpp), the GitOps section (gitops.cpp) and the
// rest (cluster.cpp). Internal
// to the parser; each function reports what it finds wrong to `errors` and returns what it could
// read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/cluster.h"
#include "spec/ipv4.h"
#include "spec/yaml_error.h"

namespace bundle::spec {

// [a-z0-9]([a-z0-9-]*[a-z0-9])?, at most 63 characters: an RFC 1123 DNS label, because cluster
// and node names become host names, Kubernetes node names and parts of file names.
bool is_dns_label(std::string_view text);

// The value of `field` when it is a DNS label; `what` names it in messages ("node name").
std::optional<std::string> read_dns_label(const Field& field, std::string_view what,
                                          YamlErrors& errors);

// A scalar item of a sequence with the node it came from, for messages about it.
struct ListItem {
    std::string text;
    YAML::Node node;
};

// The scalar items of the sequence `field` holds. A value that is not a sequence, and items
// that are not scalars, are reported; an empty value gives no items.
std::vector<ListItem> read_scalar_list(const Field& field, YamlErrors& errors);

// The nodes of the `nodes` sequence, in the order written, each checked on its own and against
// the others (names and addresses unique), and their number (odd, 1 to 7). `subnet` is the mesh
// subnet, or nullopt when it was invalid (mesh addresses are then checked only for syntax).
std::vector<Node> read_nodes(const Field& field, const std::optional<Ipv4Subnet>& subnet,
                             YamlErrors& errors);

// The `mesh` section into `mesh` (defaults where absent), and its subnet when it is valid (the
// nodes' mesh addresses are checked against it); `field` may be null.
std::optional<Ipv4Subnet> read_mesh(const Field* field, Mesh& mesh, YamlErrors& errors);

// The `gitops` section; an empty value counts as absent.
std::optional<GitOps> read_gitops(const Field& field, YamlErrors& errors);

}  // namespace bundle::spec
