// The WWW-Authenticate header of a 401 (RFC 9110 section 11.6.1), as registries send it:
//
//   WWW-Authenticate: Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
//                     scope="repository:library/nginx:pull"
//
// A header may hold several challenges ("Basic realm=x, Bearer realm=y") and a quoted value may
// hold commas, spaces and backslash escapes (a scope "repository:a:pull,push" is common), so
// the header is tokenised, never split on commas. Scheme and parameter names are
// case-insensitive and returned lowercased; values are returned unquoted.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bundle::oci {

struct Challenge {
    std::string scheme;                         // "bearer", "basic"
    std::map<std::string, std::string> params;  // "realm", "service", "scope", ...
};

// Never fails: what cannot be read is skipped.
std::vector<Challenge> parse_www_authenticate(std::string_view header);

}  // namespace bundle::oci
