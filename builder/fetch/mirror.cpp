#include "fetch/mirror.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace bundle::fetch {
namespace {

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// The scheme in lowercase ("https"), or empty when `url` has none.
std::string scheme_of(const std::string& url) {
    std::size_t end = url.find("://");
    if (end == std::string::npos || end == 0) return {};
    std::string scheme = url.substr(0, end);
    bool valid = std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.';
    });
    return valid ? lowercase(scheme) : std::string{};
}

// Percent-encodes what a file:// URL cannot carry as is; '/' and unreserved bytes stay.
std::string encode_path(const std::string& path) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) != 0 || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// A mirror is written to disk and served by a static server that decodes escapes: no segment
// may name the current or parent directory, even spelled %2e%2e, nor hold a slash or NUL.
bool safe_path(const std::string& path) {
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        std::string segment = percent_decode(path.substr(start, end - start));
        if (segment == "." || segment == ".." || segment.find('/') != std::string::npos ||
            segment.find('\0') != std::string::npos)
            return false;
        start = end + 1;
    }
    return true;
}

}  // namespace

std::string percent_decode(std::string_view segment) {
    std::string out;
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] == '%' && i + 2 < segment.size() &&
            std::isxdigit(static_cast<unsigned char>(segment[i + 1])) != 0 &&
            std::isxdigit(static_cast<unsigned char>(segment[i + 2])) != 0) {
            out += static_cast<char>(std::stoi(std::string(segment.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += segment[i];
        }
    }
    return out;
}

Result<Mirror> Mirror::parse(const std::string& spec) {
    if (spec.empty()) return Error{Code::usage, "--mirror", "empty mirror"};
    Mirror mirror;
    std::string scheme = scheme_of(spec);
    if (scheme == "http" || scheme == "https" || scheme == "file") {
        mirror.base_ = spec;
    } else if (!scheme.empty()) {
        return Error{Code::usage, spec, "a mirror is an http(s):// URL or a folder"};
    } else {
        std::error_code ec;
        std::filesystem::path folder = std::filesystem::absolute(spec, ec);
        if (ec) return Error{Code::usage, spec, "cannot make the mirror folder absolute: " + ec.message()};
        mirror.base_ = "file://" + encode_path(folder.lexically_normal().string());
    }
    while (mirror.base_.size() > 1 && mirror.base_.back() == '/' && !mirror.base_.ends_with("://"))
        mirror.base_.pop_back();
    return mirror;
}

Result<std::string> Mirror::relative_path(const std::string& upstream) {
    std::string scheme = scheme_of(upstream);
    if (scheme != "http" && scheme != "https")
        return Error{Code::invalid_input, upstream, "only http(s) URLs can be mirrored"};
    std::size_t start = upstream.find("://") + 3;
    std::size_t path_start = upstream.find_first_of("/?#", start);
    if (path_start == std::string::npos) path_start = upstream.size();
    std::string authority = upstream.substr(start, path_start - start);
    std::size_t at = authority.rfind('@');
    if (at != std::string::npos) authority = authority.substr(at + 1);  // never credentials
    if (authority.empty() || authority.find('/') != std::string::npos)
        return Error{Code::invalid_input, upstream, "URL without a host"};
    std::size_t path_end = upstream.find_first_of("?#", path_start);
    if (path_end == std::string::npos) path_end = upstream.size();
    std::string path = upstream.substr(path_start, path_end - path_start);  // "" or "/..."
    std::string relative = lowercase(authority) + path;
    if (!safe_path(relative)) return Error{Code::invalid_input, upstream, "URL path with . or .. segments"};
    return relative;
}

Result<std::string> Mirror::disk_path(const std::string& upstream) {
    auto relative = relative_path(upstream);
    if (!relative) return std::move(relative).error();
    std::string decoded;
    std::size_t start = 0;
    while (start <= relative->size()) {  // safe_path() has checked every decoded segment
        std::size_t end = relative->find('/', start);
        if (end == std::string::npos) end = relative->size();
        if (start > 0) decoded += '/';
        decoded += percent_decode(relative->substr(start, end - start));
        start = end + 1;
    }
    return decoded;
}

Result<std::string> Mirror::map_url(const std::string& upstream) const {
    auto relative = relative_path(upstream);
    if (!relative) return std::move(relative).error();
    return base_ + "/" + *relative;
}

}  // namespace bundle::fetch
