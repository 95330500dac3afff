#include "core/safe_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace bundle {
namespace {

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

// Lists the entries of the directory `name` in `dir`, opened without following a link.
Result<std::vector<std::string>> list_directory(int dir, const std::string& name) {
    int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return system_error(Code::io, name, "cannot open directory", errno);
    std::unique_ptr<DIR, DirCloser> stream(::fdopendir(fd));
    if (!stream) {
        int err = errno;
        ::close(fd);
        return system_error(Code::io, name, "cannot read directory", err);
    }
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = ::readdir(stream.get())) {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
            names.emplace_back(entry->d_name);
    }
    if (errno != 0) return system_error(Code::io, name, "cannot read directory", errno);
    return names;
}

}  // namespace

Result<UniqueFd> open_directory_beneath(int root, std::string_view relative, const std::string& where) {
    int fd = ::openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return system_error(Code::io, where, "cannot open directory", errno);
    UniqueFd current(fd);
    std::size_t start = 0;
    while (start < relative.size()) {
        std::size_t end = relative.find('/', start);
        if (end == std::string_view::npos) end = relative.size();
        std::string part(relative.substr(start, end - start));
        int next = ::openat(current.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            if (errno == ELOOP || errno == ENOTDIR)
                return Error{Code::unsafe_path, where, "'" + part + "' is not a directory (or is a link)"};
            return system_error(Code::io, where, "cannot open directory '" + part + "'", errno);
        }
        current.reset(next);
        start = end + 1;
    }
    return current;
}

Status remove_tree_at(int dir, const std::string& name) {
    if (::unlinkat(dir, name.c_str(), 0) == 0) return {};
    if (errno == ENOENT) return {};
    if (errno != EISDIR && errno != EPERM) return system_error(Code::io, name, "cannot remove", errno);
    // A directory: empty it through a descriptor of its own, then remove it.
    int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return system_error(Code::io, name, "cannot open directory for removal", errno);
    UniqueFd sub(fd);
    ::fchmod(sub.get(), 0700);  // a read-only directory of ours must still be emptied
    auto names = list_directory(dir, name);
    if (!names) return std::move(names).error();
    for (const std::string& child : *names) BUNDLE_TRY(remove_tree_at(sub.get(), child));
    if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return system_error(Code::io, name, "cannot remove directory", errno);
    return {};
}

Result<bool> directory_is_empty(int dir, const std::string& name) {
    auto names = list_directory(dir, name);
    if (!names) return std::move(names).error();
    return names->empty();
}

}  // namespace bundle
