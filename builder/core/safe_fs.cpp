#include "core/safe_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
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

// Lists the entries of the open directory `fd` (which stays open).
Result<std::vector<std::string>> list_directory(int fd, const std::string& shown) {
    int copy = ::dup(fd);
    if (copy < 0) return system_error(Code::io, shown, "cannot read directory", errno);
    std::unique_ptr<DIR, DirCloser> stream(::fdopendir(copy));
    if (!stream) {
        int err = errno;
        ::close(copy);
        return system_error(Code::io, shown, "cannot read directory", err);
    }
    ::rewinddir(stream.get());
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = ::readdir(stream.get())) {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
            names.emplace_back(entry->d_name);
    }
    if (errno != 0) return system_error(Code::io, shown, "cannot read directory", errno);
    return names;
}

Result<UniqueFd> open_subdirectory(int dir, const std::string& name, const std::string& shown) {
    int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return system_error(Code::io, shown, "cannot open directory", errno);
    return UniqueFd(fd);
}

}  // namespace

Status remove_tree_at(int dir, const std::string& name, const std::string& shown_in) {
    const std::string& shown = shown_in.empty() ? name : shown_in;
    if (::unlinkat(dir, name.c_str(), 0) == 0) return {};
    if (errno == ENOENT) return {};
    if (errno != EISDIR && errno != EPERM) return system_error(Code::io, shown, "cannot remove", errno);
    // A directory: empty it through a descriptor of its own, then remove it.
    auto sub = open_subdirectory(dir, name, shown);
    if (!sub) return std::move(sub).error();
    // A read-only directory of ours must still be emptied.
    if (::fchmod(sub->get(), 0700) != 0) return system_error(Code::io, shown, "cannot make writable", errno);
    auto names = list_directory(sub->get(), shown);
    if (!names) return std::move(names).error();
    for (const std::string& child : *names) BUNDLE_TRY(remove_tree_at(sub->get(), child, shown + "/" + child));
    if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return system_error(Code::io, shown, "cannot remove directory", errno);
    return {};
}

Result<bool> directory_is_empty(int dir, const std::string& name) {
    auto sub = open_subdirectory(dir, name, name);
    if (!sub) return std::move(sub).error();
    auto names = list_directory(sub->get(), name);
    if (!names) return std::move(names).error();
    return names->empty();
}

Status make_directories(const std::string& path, mode_t mode) {
    for (std::size_t end = 1; end <= path.size(); ++end) {
        if (end != path.size() && path[end] != '/') continue;
        std::string partial = path.substr(0, end);
        if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST)
            return system_error(Code::io, partial, "cannot create the directory", errno);
    }
    return {};
}

void remove_stale_temporaries(int dir, std::string_view prefix) {
    auto names = list_directory(dir, ".");
    if (!names) return;  // nothing to tidy is no reason to fail the real work
    for (const std::string& name : *names) {
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        char* end = nullptr;
        long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
        if (pid <= 0 || *end != '-') continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
        (void)remove_tree_at(dir, name);  // best effort; the next run tries again
    }
}

}  // namespace bundle
