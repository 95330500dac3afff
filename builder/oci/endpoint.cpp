#include "oci/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>

#include "fetch/http.h"

namespace bundle::oci {

std::string host_of(const std::string& registry) {
    if (!registry.empty() && registry.front() == '[') {
        auto close = registry.find(']');
        return close == std::string::npos ? registry : registry.substr(1, close - 1);
    }
    return registry.substr(0, registry.find(':'));
}

bool is_loopback_host(const std::string& host) {
    if (host == "localhost")
        return true;
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) != 0;
    return false;
}

std::string registry_scheme(const std::string& registry,
                            const std::vector<std::string>& insecure_hosts) {
    std::string host = host_of(registry);
    if (is_loopback_host(host))
        return "http";
    bool insecure = std::any_of(
        insecure_hosts.begin(), insecure_hosts.end(),
        [&](const std::string& listed) { return listed == registry || listed == host; });
    return insecure ? "http" : "https";
}

std::string Endpoint::shown_url(const std::string& suffix) const {
    return fetch::redact_url(url(suffix));
}

Endpoint endpoint_for(const spec::ImageReference& reference,
                      const std::vector<std::string>& insecure_hosts, const fetch::Mirror* mirror) {
    Endpoint endpoint;
    if (mirror != nullptr) {
        endpoint.base = mirror->base();
        endpoint.repository = reference.registry + "/" + reference.repository;
        endpoint.is_file = endpoint.base.rfind("file://", 0) == 0;
        std::string shown = fetch::redact_url(endpoint.base);
        auto rest = shown.find("://");
        std::string after = rest == std::string::npos ? shown : shown.substr(rest + 3);
        endpoint.host = after.substr(0, after.find_first_of("/?#"));
        return endpoint;
    }
    std::string api_host =
        reference.registry == "docker.io" ? "registry-1.docker.io" : reference.registry;
    endpoint.base = registry_scheme(api_host, insecure_hosts) + "://" + api_host;
    endpoint.repository = reference.repository;
    endpoint.host = reference.registry;
    return endpoint;
}

}  // namespace bundle::oci
