// Where the requests for one repository go. Without a mirror, the registry itself:
//
//   docker.io            -> https://registry-1.docker.io   (Docker Hub's API host)
//   127.0.0.1:5000       -> http://127.0.0.1:5000          (loopback: plain HTTP, as Docker does)
//   registry.local:5000  -> https://registry.local:5000, or http:// when the host is listed in
//                           HttpOptions::insecure_hosts (as "registry.local:5000" or
//                           "registry.local")
//
// Loopback is 127.0.0.0/8, ::1 and the name "localhost"; a name that merely starts with
// "127." ("127.0.0.1.example.com") is not. With a mirror, every request goes to
// <mirror>/v2/<registry as written>/<repository>/... (fetch/mirror.h).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "fetch/mirror.h"
#include "spec/reference.h"

namespace bundle::oci {

struct Endpoint {
    std::string base;        // scheme://host[:port] or the mirror's base, no trailing slash
    std::string repository;  // the name in /v2/<name>/...: the mirror adds the registry in front
    std::string host;        // the host[:port] credentials are looked up for, never user@
    bool is_file = false;    // a file:// mirror: no authentication, no HEAD

    // <base>/v2/<repository>/<suffix>, e.g. suffix "manifests/v1" or "blobs/sha256:...".
    std::string url(const std::string& suffix) const {
        return base + "/v2/" + repository + "/" + suffix;
    }
    // The same without the user:password@ a mirror URL may carry: for messages.
    std::string shown_url(const std::string& suffix) const;
};

// The host part of host[:port] or [v6]:port, without brackets.
std::string host_of(const std::string& registry);
bool is_loopback_host(const std::string& host);

// "http" or "https" for a registry (host[:port]) by the rule above.
std::string registry_scheme(const std::string& registry,
                            const std::vector<std::string>& insecure_hosts);

Endpoint endpoint_for(const spec::ImageReference& reference,
                      const std::vector<std::string>& insecure_hosts, const fetch::Mirror* mirror);

}  // namespace bundle::oci
