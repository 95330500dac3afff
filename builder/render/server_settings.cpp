#include "render/server_settings.h"

#include <algorithm>

#include "nodeconf/node_config.h"

namespace bundle::render {
namespace {

std::string flag(bool value) { return value ? "true" : "false"; }

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> setting_pairs(const ServerSettings& settings) {
    std::vector<std::pair<std::string, std::string>> pairs = {
        {"cluster-cidr", settings.cluster_cidr},
        {"cluster-dns", settings.cluster_dns},
        {"cluster-domain", settings.cluster_domain},
        {"disable", joined(settings.disable)},
        {"disable-kube-proxy", flag(settings.disable_kube_proxy)},
        {"disable-network-policy", flag(settings.disable_network_policy)},
        {"egress-selector-mode", settings.egress_selector_mode},
        {"embedded-registry", flag(settings.embedded_registry)},
        {"flannel-backend", settings.flannel_backend},
        {"secrets-encryption", flag(settings.secrets_encryption)},
        {"service-cidr", settings.service_cidr},
    };
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

std::string settings_digest(const ServerSettings& settings) { return settings_digest(setting_pairs(settings)); }

std::string settings_digest(const std::vector<std::pair<std::string, std::string>>& pairs) {
    return nodeconf::settings_digest(pairs);
}

}  // namespace bundle::render
