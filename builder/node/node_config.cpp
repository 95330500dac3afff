#include "node/node_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/fd.h"

namespace bundle::node {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

// The owner and mode of the open file, checked before its content is read.
Status check_private(const std::string& path, const struct stat& st, bool allow_readable) {
    if (st.st_uid != ::geteuid())
        return Error{Code::invalid_input, path,
                     "holds the node's secrets but belongs to uid " + std::to_string(st.st_uid) +
                         ", not to the user running the agent (uid " + std::to_string(::geteuid()) +
                         "); run chown root:root on it"};
    if (!allow_readable && (st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return Error{Code::invalid_input, path,
                     std::string("holds the node's secrets but has mode ") + mode +
                         " (group or others may read it); run chmod 600 on it"};
    }
    return {};
}

Result<std::string> read_private_file(const std::string& path, bool allow_readable) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) return system_error(Code::io, path, "cannot open the node configuration", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return system_error(Code::io, path, "cannot stat", errno);
    if (!S_ISREG(st.st_mode)) return Error{Code::invalid_input, path, "is not a regular file"};
    if (static_cast<std::size_t>(st.st_size) > kMaxConfigBytes)
        return Error{Code::invalid_input, path, "is larger than 1 MiB; not a node configuration"};
    if (auto checked = check_private(path, st, allow_readable); !checked) return std::move(checked).error();
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_error(Code::io, path, "cannot read", errno);
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    text.resize(done);
    return text;
}

}  // namespace

Result<NodeConfig> load_node_config(const std::string& path, bool allow_readable) {
    auto text = read_private_file(path, allow_readable);
    if (!text) return std::move(text).error();
    return nodeconf::parse_node_config(*text, path);
}

}  // namespace bundle::node
