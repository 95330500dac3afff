// A cluster definition (cluster.yaml) is the operator's description of one 3-node (or 5-node)
// HA cluster: who the nodes are, how they reach each other, who may log in, and what GitOps
// repository the cluster follows. It holds no secret: the keys and the K3s token live in the
// secrets folder beside it (spec/secrets.h). Like an image definition it is checked strictly,
// and every mistake of the file is reported at once, one "file:line:col: message" line each.
//
//   apiVersion: bundle/v1
//   kind: Cluster
//   name: prod                        # [a-z0-9]([a-z0-9-]*[a-z0-9])?, at most 63 characters,
//                                     # and a string to YAML 1.1 (see below)
//   mesh:                             # optional; these are the defaults
//     subnet: 10.6.0.0/24             # IPv4 CIDR, prefix 8..30, the WireGuard mesh: private
//                                     # space, clear of K3s's pods and services (see below)
//     port: 51820                     # WireGuard's UDP port on every node; not 8472
//     agent_port: 7443                # `bundle node serve` (TCP, mesh address only); not a
//                                     # port the node already uses (see below)
//   nodes:                            # an odd number (HA etcd needs a majority), 1..7
//     - name: node-1                  # the same rules; becomes the hostname
//       public_ipv4: 203.0.113.10     # unicast, not loopback, private, multicast or 0.0.0.0
//       mesh_ipv4: 10.6.0.1           # inside mesh.subnet, neither its network nor broadcast
//       ssh: ubuntu@203.0.113.10      # optional, for `bundle push`
//   ssh_authorized_keys:              # at least one; OpenSSH public key lines, valid UTF-8
//     - ssh-ed25519 AAAA... alice@laptop   # without control characters (spec/ssh_key.h)
//   tls_names: [k8s.example.org]      # optional extra names for the API server certificate
//   gitops:                           # optional: the ArgoCD root application
//     repository: https://github.com/acme/cluster.git   # https://, ssh:// or git@host:path;
//                                     # no password, no user or host starting with '-'
//     revision: main                  # printable ASCII, no spaces, not starting with '-'
//     path: clusters/prod             # relative, inside the repository, no spaces
//     deploy_key: true                # optional: secrets/gitops-deploy-key is the SSH key
//   bundle_sources:                   # at least one http(s) URL; "{file}" becomes the
//     - https://example.org/releases/{file}   # bundle's file name, <image>-<version>.bundle
//   secrets: secrets/                 # optional, relative to this file; default "secrets"
//
// Nodes are numbered by their position (1-based): the bootstrap protocol lets only the
// lowest-numbered node initialise a cluster, so the order is part of the definition.
//
// Cluster and node names become host names and YAML keys and values in the nodes' user-data,
// which cloud-init reads with PyYAML (YAML 1.1). A name that YAML reads as something other than
// a string is refused: a boolean or null (y, n, yes, no, on, off, true, false, null), a name
// without a letter ("123", "2024-01-02"), and a number with letters (0x1f, 0b101, 0o17, 1e3).
//
// The mesh subnet must lie inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10,
// and must not overlap 10.42.0.0/16 or 10.43.0.0/16: the cluster runs K3s with its default pod
// and service ranges. mesh.port must not be 8472 (UDP, Cilium's VXLAN overlay); agent_port must
// not be one of 22 (SSH), 80, 443 (HTTP(S)), 2379, 2380 (etcd), 4240 (Cilium's health checks),
// 4244, 4245 (Hubble and Hubble Relay), 6443 (the K3s API server), 9962, 9963, 9964 (Cilium's
// metrics), 10250 (the kubelet) or 10256 (kube-proxy's health check).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "spec/yaml_error.h"

namespace bundle::spec {

struct Mesh {
    std::string subnet = "10.6.0.0/24";  // as written, normalised to network/prefix
    std::uint32_t network = 0;            // host byte order
    int prefix = 24;
    std::uint16_t port = 51820;
    std::uint16_t agent_port = 7443;
};

struct Node {
    std::string name;
    std::string public_ipv4;  // dotted quad, canonical (no leading zeros)
    std::string mesh_ipv4;    // dotted quad, canonical
    std::optional<std::string> ssh;
    Location where;  // of the node's mapping
};

struct GitOps {
    std::string repository;
    std::string revision;
    std::string path;
    bool deploy_key = false;
};

struct Cluster {
    std::string name;
    Mesh mesh;
    std::vector<Node> nodes;  // in the order written; node i has number i + 1
    std::vector<std::string> ssh_authorized_keys;
    std::vector<std::string> tls_names;
    std::optional<GitOps> gitops;
    std::vector<std::string> bundle_sources;
    std::filesystem::path secrets;  // resolved against the definition's folder
    std::filesystem::path file;     // the definition file itself

    // The node of that name, or nullptr.
    const Node* find_node(std::string_view name) const;
};

// Reads and parses `file` (at most 1 MiB); a file that cannot be read is Code::io.
Result<Cluster> load_cluster(const std::filesystem::path& file);

// Parses a definition held in memory; `file` names it in messages and anchors `secrets`.
// Every mistake gives one line of a single Code::invalid_input Error. Checked: the shape (types,
// unknown, duplicate and missing keys), names (DNS labels that YAML 1.1 reads as strings),
// the mesh subnet (private, clear of K3s's ranges) and ports (not taken by another service),
// addresses (syntax, a public address that is not public, a mesh address outside the subnet or
// on its network/broadcast address), duplicate node names, public or mesh addresses (the second
// occurrence names the first's line), an even number of nodes, key lines that are not OpenSSH
// public keys or not clean UTF-8, URLs that are not http(s), GitOps values git would misread.
Result<Cluster> parse_cluster(std::string_view yaml_text, const std::filesystem::path& file);

}  // namespace bundle::spec
