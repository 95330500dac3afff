// The K3s settings that must be identical on every server of a cluster (K3s refuses, or worse,
// half-works, when servers disagree on them: see DESIGN.md, "Upstream facts"). Every node's
// configuration carries them and their digest; a node refuses to join a cluster whose members
// report another digest, so that a node rendered from a stale cluster definition fails loudly
// instead of joining with a different service range.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bundle::render {

struct ServerSettings {
    std::string cluster_cidr = "10.42.0.0/16";
    std::string service_cidr = "10.43.0.0/16";
    std::string cluster_dns = "10.43.0.10";
    std::string cluster_domain = "cluster.local";
    std::string flannel_backend = "none";        // Cilium is the CNI
    bool disable_network_policy = true;          // Cilium enforces policies
    bool disable_kube_proxy = true;              // Cilium replaces kube-proxy
    std::vector<std::string> disable = {"servicelb", "traefik"};
    bool secrets_encryption = true;
    std::string egress_selector_mode = "agent";  // K3s's default
    bool embedded_registry = false;
};

// The settings as K3s configuration keys and values, sorted by key ("cluster-cidr", ...).
std::vector<std::pair<std::string, std::string>> setting_pairs(const ServerSettings& settings);

// "sha256:<hex>" of the canonical text: one "key=value\n" line per pair, in setting_pairs order.
std::string settings_digest(const ServerSettings& settings);
// The same digest of pairs as read back from a node's configuration (nodeconf::settings_digest,
// which the node agent's check uses).
std::string settings_digest(const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace bundle::render
