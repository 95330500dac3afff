// --mirror URL|DIR: one internal server or folder that stands in for every upstream, for CI
// without internet. Its layout is a pure function of the upstream names, so a plain static web
// server (or a folder, reached as file://) can serve it, and `bundle mirror` writes it:
//
//   https://github.com/k3s-io/k3s/releases/download/v1.36.0%2Bk3s1/k3s
//       -> <mirror>/github.com/k3s-io/k3s/releases/download/v1.36.0%2Bk3s1/k3s
//   image quay.io/cilium/cilium (manifests by tag and by digest, blobs by digest)
//       -> <mirror>/v2/quay.io/cilium/cilium/manifests/<tag or sha256:hex>
//       -> <mirror>/v2/quay.io/cilium/cilium/blobs/sha256:<hex>
//
// The /v2/ half is the distribution API's read path with the registry's host as the first
// component of the repository name, so a real registry (docker-registry) can be a mirror too.
// The query string of an upstream URL is dropped; the path is kept byte for byte (percent
// escapes included), and a port stays part of the host component ("host:8443").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace bundle::fetch {

// %XX escapes decoded, as a web server decodes a URL path; a malformed escape stays as it is.
std::string percent_decode(std::string_view text);

class Mirror {
public:
    // `spec` is an http(s):// URL or a folder (made absolute and turned into a file:// URL).
    static Result<Mirror> parse(const std::string& spec);

    // The mirror's URL for an upstream http(s) URL. Code::invalid_input for another scheme.
    Result<std::string> map_url(const std::string& upstream) const;
    // The registry base the OCI client talks to instead of https://<registry>: it then requests
    // <base>/v2/<registry>/<repository>/... ; see oci/registry.h.
    const std::string& base() const { return base_; }
    // Path of a mapped URL relative to the mirror root, as it appears in the mirror's URL
    // (percent escapes kept).
    static Result<std::string> relative_path(const std::string& upstream);
    // The same path as a file in a mirror folder (what `bundle mirror` writes): escapes decoded,
    // as a web server or libcurl's file:// decodes them ("v1.36.0%2Bk3s1" -> "v1.36.0+k3s1").
    static Result<std::string> disk_path(const std::string& upstream);

private:
    std::string base_;  // without a trailing slash
};

}  // namespace bundle::fetch
