#include "peer/private_dirs.h"

#include <sys/stat.h>

#include <cerrno>

namespace bundle::peer {

Status make_private_dirs(const std::string& path) {
    for (std::size_t end = 1; end <= path.size(); ++end) {
        if (end != path.size() && path[end] != '/')
            continue;
        std::string partial = path.substr(0, end);
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return system_error(Code::io, partial, "cannot create the directory", errno);
    }
    return {};
}

}  // namespace bundle::peer
