#include "deliver/defaults.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace bundle::deliver {

Result<std::string> default_bundle(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<std::string> found;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".bundle" && it->is_regular_file(ec)) found.push_back(it->path().string());
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
        return Error{Code::io, dir, "cannot list it for a bundle: " + ec.message() + "; give --bundle FILE"};
    if (found.size() == 1) return found.front();
    if (found.empty())
        return Error{Code::usage, dir, "holds no .bundle file (`bundle build` writes one there): give --bundle FILE"};
    std::sort(found.begin(), found.end());
    std::string names;
    for (const auto& f : found) names += (names.empty() ? "" : ", ") + f;
    return Error{Code::usage, dir, "holds several bundles (" + names + "): say which with --bundle FILE"};
}

std::string seed_iso_path(const std::string& out, const std::string& node) {
    std::string name = node + "-seed.iso";
    if (out.empty()) return name;
    std::error_code ec;
    if (std::filesystem::is_directory(out, ec)) return (std::filesystem::path(out) / name).string();
    return out;
}

}  // namespace bundle::deliver
