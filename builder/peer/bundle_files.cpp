#include "peer/bundle_files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cctype>
#include <optional>

#include "peer/byte_range.h"

namespace bundle::peer {

bool is_plain_file_name(const std::string& name) {
    if (name.empty() || name.size() > 255 || name[0] == '.')
        return false;
    for (char c : name) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
                  c == '-' || c == '+';
        if (!ok)
            return false;
    }
    return true;
}

HttpResponse serve_bundle_file(const std::string& directory, const HttpRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse response = plain_response(405, "only GET and HEAD");
        response.headers.emplace_back("Allow", "GET, HEAD");
        return response;
    }
    std::string name = request.target.substr(std::string(kBundlePrefix).size());
    if (!is_plain_file_name(name))
        return plain_response(404, "no such bundle");

    UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid())
        return plain_response(404, "no such bundle");
    UniqueFd file(
        ::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!file.valid())
        return plain_response(404, "no such bundle");
    struct stat info {};
    if (::fstat(file.get(), &info) != 0 || !S_ISREG(info.st_mode))
        return plain_response(404, "no such bundle");
    auto size = static_cast<std::uint64_t>(info.st_size);

    std::optional<std::string> range_header;
    if (auto found = request.headers.find("range"); found != request.headers.end())
        range_header = found->second;
    RangeAnswer range = resolve_range(range_header, size);

    HttpResponse response;
    response.headers.emplace_back("Accept-Ranges", "bytes");
    if (range.kind == RangeKind::unsatisfiable) {
        response.status = 416;
        response.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        return response;
    }
    response.headers.emplace_back("Content-Type", "application/octet-stream");
    response.file = std::move(file);
    if (range.kind == RangeKind::partial) {
        response.status = 206;
        response.headers.emplace_back("Content-Range", content_range(range.range, size));
        response.file_offset = range.range.first;
        response.file_length = range.range.length;
    } else {
        response.status = 200;
        response.file_length = size;
    }
    return response;
}

}  // namespace bundle::peer
