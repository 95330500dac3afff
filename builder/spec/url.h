// The http(s) URLs a definition names (downloads, checksum files, chart repositories) and the
// relative chart URLs of a Helm index. Only what bundle needs: a scheme of http or https, a
// host, no credentials (a definition is public, so a password in a URL would be published),
// printable ASCII without spaces.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bundle::spec {

// Why `url` is not an http(s) URL with a host, or nullopt when it is.
std::optional<std::string> http_url_problem(std::string_view url);

// `reference` resolved against the absolute `base` as a browser would for the common forms:
// an absolute URL stays as it is, "//host/x" takes base's scheme, "/x" base's origin, and
// anything else replaces base's last path component (query and fragment of base dropped).
std::string resolve_url(std::string_view base, std::string_view reference);

}  // namespace bundle::spec
