#include "spec/reference.h"

#include <utility>

#include "spec/yaml_error.h"

// The grammar is distribution's (github.com/distribution/reference, reference.go):
//
//   reference      := name [ ":" tag ] [ "@" digest ]
//   name           := [ domain "/" ] path-component [ "/" path-component ]*
//   domain         := host [ ":" port ]
//   host           := domain-component [ "." domain-component ]* | "[" IPv6 "]"
//   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag            := [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
//   digest         := "sha256:" [a-f0-9]{64}      (only SHA-256 is accepted here)
//
// and the name (domain and path, as written) is at most 255 characters. Normalisation is
// Docker's: see reference.h.

namespace bundle::spec {
namespace {

constexpr std::size_t max_name_length = 255;
constexpr std::size_t max_tag_length = 128;
constexpr std::size_t sha256_hex_length = 64;

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_alnum(char c) {
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_hex_lower(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

bool is_domain_component(std::string_view text) {
    if (text.empty() || !is_alnum(text.front()) || !is_alnum(text.back()))
        return false;
    for (char c : text) {
        if (!is_alnum(c) && c != '-')
            return false;
    }
    return true;
}

bool is_ipv6_literal(std::string_view text) {
    if (text.size() < 3 || text.front() != '[' || text.back() != ']')
        return false;
    for (char c : text.substr(1, text.size() - 2)) {
        if (!is_digit(c) && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) && c != ':')
            return false;
    }
    return true;
}

// host[:port]
bool is_domain(std::string_view text) {
    std::string_view host = text;
    if (auto bracket = text.rfind(']'); bracket != std::string_view::npos) {
        host = text.substr(0, bracket + 1);
        if (!is_ipv6_literal(host))
            return false;
    } else {
        host = text.substr(0, text.find(':'));
        std::size_t start = 0;
        while (true) {
            auto dot = host.find('.', start);
            if (!is_domain_component(host.substr(start, dot - start)))
                return false;
            if (dot == std::string_view::npos)
                break;
            start = dot + 1;
        }
    }
    std::string_view rest = text.substr(host.size());
    if (rest.empty())
        return true;
    if (rest.front() != ':' || rest.size() == 1)
        return false;
    for (char c : rest.substr(1)) {
        if (!is_digit(c))
            return false;
    }
    return true;
}

// [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool is_path_component(std::string_view text) {
    std::size_t i = 0;
    auto alnum_run = [&] {
        std::size_t start = i;
        while (i < text.size() && is_lower_alnum(text[i])) ++i;
        return i > start;
    };
    if (!alnum_run())
        return false;
    while (i < text.size()) {
        if (text[i] == '.') {
            ++i;
        } else if (text[i] == '_') {
            ++i;
            if (i < text.size() && text[i] == '_')
                ++i;
        } else if (text[i] == '-') {
            while (i < text.size() && text[i] == '-') ++i;
        } else {
            return false;
        }
        if (!alnum_run())
            return false;
    }
    return true;
}

bool is_tag(std::string_view text) {
    if (text.empty() || text.size() > max_tag_length)
        return false;
    if (!is_alnum(text.front()) && text.front() != '_')
        return false;
    for (char c : text) {
        if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
            return false;
    }
    return true;
}

bool is_sha256_digest(std::string_view text) {
    constexpr std::string_view prefix = "sha256:";
    if (!text.starts_with(prefix) || text.size() != prefix.size() + sha256_hex_length)
        return false;
    for (char c : text.substr(prefix.size())) {
        if (!is_hex_lower(c))
            return false;
    }
    return true;
}

// Docker's rule for whether the first component names a registry.
bool names_registry(std::string_view component) {
    return component.find_first_of(".:") != std::string_view::npos || component == "localhost";
}

// Why `text` is not a valid reference, or nullopt after filling `out`.
std::optional<std::string> parse_into(std::string_view text, ImageReference& out) {
    if (text.empty())
        return "it is empty";
    std::string_view name = text;
    if (auto at = text.find('@'); at != std::string_view::npos) {
        std::string_view digest = text.substr(at + 1);
        if (!is_sha256_digest(digest))
            return "the digest must be 'sha256:' followed by 64 lowercase hex digits";
        out.digest = std::string(digest);
        name = text.substr(0, at);
    }
    auto last_slash = name.rfind('/');
    auto colon = name.rfind(':');
    if (colon != std::string_view::npos &&
        (last_slash == std::string_view::npos || colon > last_slash)) {
        std::string_view tag = name.substr(colon + 1);
        if (!is_tag(tag))
            return "the tag must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}";
        out.tag = std::string(tag);
        name = name.substr(0, colon);
    }
    if (name.empty())
        return "it has no repository name";
    if (name.size() > max_name_length)
        return "the name is longer than 255 characters";
    std::string_view path = name;
    auto first_slash = name.find('/');
    if (first_slash != std::string_view::npos && names_registry(name.substr(0, first_slash))) {
        std::string_view domain = name.substr(0, first_slash);
        if (!is_domain(domain))
            return "the registry " + quote_value(domain) +
                   " is not a host name with an optional port";
        out.registry = std::string(domain);
        path = name.substr(first_slash + 1);
    } else {
        out.registry = "docker.io";
    }
    std::size_t start = 0;
    while (true) {
        auto slash = path.find('/', start);
        std::string_view component = path.substr(start, slash - start);
        if (!is_path_component(component)) {
            return "the repository component " + quote_value(component) +
                   " must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*";
        }
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    if (out.registry == "index.docker.io")
        out.registry = "docker.io";
    out.repository = std::string(path);
    if (out.registry == "docker.io" && path.find('/') == std::string_view::npos)
        out.repository = "library/" + out.repository;
    if (!out.tag && !out.digest)
        return "it has neither a tag nor a digest (a pin that moves is no pin; write :tag or "
               "@sha256:...)";
    return std::nullopt;
}

}  // namespace

std::string ImageReference::full() const {
    std::string out = registry + "/" + repository;
    if (tag)
        out += ":" + *tag;
    if (digest)
        out += "@" + *digest;
    return out;
}

std::string ImageReference::manifest_reference() const {
    if (digest)
        return *digest;
    return tag.value_or("");
}

Result<ImageReference> parse_image_reference(std::string_view text) {
    ImageReference reference;
    if (auto problem = parse_into(text, reference)) {
        return Error{Code::invalid_input, "",
                     "invalid image reference " + quote_value(text) + ": " + std::move(*problem)};
    }
    return reference;
}

}  // namespace bundle::spec
