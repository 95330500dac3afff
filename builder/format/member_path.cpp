#include "format/member_path.h"

#include <string>

namespace bundle::format {
namespace {

Error unsafe(std::string_view path, const std::string& why) {
    std::string shown(path.substr(0, 120));
    for (char& c : shown)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    return Error{Code::unsafe_path, shown.empty() ? "(empty name)" : shown, why};
}

}  // namespace

Status check_member_path(std::string_view path) {
    if (path.empty()) return unsafe(path, "empty member name");
    if (path.size() > kMaxPathBytes)
        return unsafe(path, "member name longer than " + std::to_string(kMaxPathBytes) + " bytes");
    if (path.front() == '/') return unsafe(path, "absolute member name");
    for (char c : path) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return unsafe(path, "control character in member name");
        if (u >= 0x80) return unsafe(path, "byte outside printable ASCII in member name");
        if (c == '\\') return unsafe(path, "backslash in member name");
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part.empty()) return unsafe(path, "empty component in member name");
        if (part == ".") return unsafe(path, "'.' component in member name");
        if (part == "..") return unsafe(path, "'..' component in member name");
        start = end + 1;
    }
    return {};
}

std::string_view parent_of(std::string_view path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

}  // namespace bundle::format
