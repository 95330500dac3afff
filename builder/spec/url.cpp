#include "spec/url.h"

namespace bundle::spec {
namespace {

std::string_view scheme_end_of(std::string_view url) {
    if (url.starts_with("https://"))
        return url.substr(0, 8);
    if (url.starts_with("http://"))
        return url.substr(0, 7);
    return {};
}

bool has_scheme(std::string_view reference) {
    auto colon = reference.find(':');
    if (colon == std::string_view::npos || colon == 0)
        return false;
    for (char c : reference.substr(0, colon)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

}  // namespace

std::optional<std::string> http_url_problem(std::string_view url) {
    for (char c : url) {
        auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f)
            return "a URL must be printable ASCII without spaces";
    }
    std::string_view scheme = scheme_end_of(url);
    if (scheme.empty())
        return "a URL must start with http:// or https://";
    std::string_view rest = url.substr(scheme.size());
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos)
        return "a URL must not carry credentials (user@ or user:password@)";
    std::string_view host = authority;
    if (host.starts_with('[')) {
        auto close = host.find(']');
        if (close == std::string_view::npos)
            return "a URL's IPv6 host must end with ']'";
        std::string_view after = host.substr(close + 1);
        if (!after.empty() && after.front() != ':')
            return "a URL's host is followed by something other than a port";
        host = host.substr(0, close + 1);
        authority = after;
    } else {
        auto colon = host.find(':');
        authority = colon == std::string_view::npos ? std::string_view() : host.substr(colon);
        host = host.substr(0, colon);
    }
    if (host.empty() || host == "[]")
        return "a URL must name a host";
    if (!authority.empty()) {  // ":port"
        std::string_view port = authority.substr(1);
        if (port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string_view::npos)
            return "a URL's port must be a number";
    }
    return std::nullopt;
}

std::string resolve_url(std::string_view base, std::string_view reference) {
    if (has_scheme(reference))
        return std::string(reference);
    auto scheme_end = base.find("://");
    if (scheme_end == std::string_view::npos)
        return std::string(reference);
    if (reference.starts_with("//"))
        return std::string(base.substr(0, scheme_end + 1)) + std::string(reference);
    std::string_view no_query = base.substr(0, base.find_first_of("?#"));
    auto path_start = no_query.find('/', scheme_end + 3);
    std::string_view origin =
        path_start == std::string_view::npos ? no_query : no_query.substr(0, path_start);
    if (reference.starts_with('/'))
        return std::string(origin) + std::string(reference);
    if (path_start == std::string_view::npos)
        return std::string(origin) + "/" + std::string(reference);
    return std::string(no_query.substr(0, no_query.rfind('/') + 1)) + std::string(reference);
}

}  // namespace bundle::spec
