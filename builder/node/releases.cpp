#include "node/releases.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "core/fd.h"
#include "core/safe_fs.h"

namespace bundle::node {
namespace {

// `name` in `parent`, opened as a directory without following a link; an invalid descriptor
// with errno ENOENT when there is none.
UniqueFd open_directory_at(int parent, const char* name) {
    return UniqueFd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

// The entries of the directory `dir` (not "." and "..").
Result<std::vector<std::string>> entries_of(int dir, const std::string& shown) {
    UniqueFd copy(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!copy.valid()) return system_error(Code::io, shown, "cannot open", errno);
    DIR* stream = ::fdopendir(copy.get());
    if (stream == nullptr) return system_error(Code::io, shown, "cannot list", errno);
    (void)copy.release();  // the stream owns it now
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = ::readdir(stream)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
    }
    int err = errno;
    ::closedir(stream);
    if (err != 0) return system_error(Code::io, shown, "cannot list", err);
    return names;
}

// The release `current` names ("releases/<name>"), or "" when there is no such link. Any other
// failure to read it is an Error: not knowing what is in use, nothing may be pruned.
Result<std::string> current_release(int state_dir, const std::string& shown) {
    char target[4096];
    ssize_t n = ::readlinkat(state_dir, "current", target, sizeof target - 1);
    if (n < 0 && errno == ENOENT) return std::string();
    if (n <= 0) return system_error(Code::io, shown, "cannot read the link (nothing is pruned)", n < 0 ? errno : EINVAL);
    std::string text(target, static_cast<std::size_t>(n));
    if (text.rfind("releases/", 0) == 0) text.erase(0, 9);
    return text.substr(0, text.find('/'));
}

// Removes every entry of <state_dir>/<folder> not in `keep`; gives the names removed.
Result<std::vector<std::string>> remove_all_but(int state_dir, const StateDir& dir, const char* folder,
                                                const std::set<std::string>& keep, Log& log) {
    const std::string shown = dir.dir + "/" + folder;
    UniqueFd fd = open_directory_at(state_dir, folder);
    if (!fd.valid()) {
        if (errno == ENOENT) return std::vector<std::string>{};
        return system_error(Code::io, shown, "cannot open", errno);
    }
    auto names = entries_of(fd.get(), shown);
    if (!names) return std::move(names).error();
    std::vector<std::string> removed;
    for (const auto& name : *names) {
        if (keep.contains(name)) continue;
        if (auto gone = remove_tree_at(fd.get(), name, shown + "/" + name); !gone) return std::move(gone).error();
        log.say("install", "removed " + std::string(folder) + "/" + name + " (only the installed bundle and the one before it are kept)");
        removed.push_back(name);
    }
    if (!removed.empty() && ::fsync(fd.get()) != 0) return system_error(Code::io, shown, "cannot sync", errno);
    return removed;
}

}  // namespace

Status prune_releases(const StateDir& dir, const InstallState& state, Log& log) {
    if (!state.installed_version) return {};  // nothing installed: nothing is known to be old
    UniqueFd state_dir(::open(dir.dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!state_dir.valid()) return system_error(Code::io, dir.dir, "cannot open", errno);

    std::set<std::string> releases = {release_name(*state.installed_version, state.installed_sha256)};
    if (state.previous_version) releases.insert(release_name(*state.previous_version, state.previous_sha256));
    auto current = current_release(state_dir.get(), dir.dir + "/current");
    if (!current) return std::move(current).error();
    if (!current->empty()) releases.insert(*current);
    if (auto pruned = remove_all_but(state_dir.get(), dir, "releases", releases, log); !pruned)
        return std::move(pruned).error();

    if (state.installed_file.empty() || (state.previous_version && state.previous_file.empty())) {
        log.say("install", "bundles/ left as it is: the state does not name the files of the bundles installed before");
        return {};
    }
    std::set<std::string> bundles = {state.installed_file};
    if (state.previous_version) bundles.insert(state.previous_file);
    auto removed = remove_all_but(state_dir.get(), dir, "bundles", bundles, log);
    if (!removed) return std::move(removed).error();
    // The bootstrap's (or push's) copy of a removed bundle is the same inode: remove it too.
    UniqueFd incoming = open_directory_at(state_dir.get(), "incoming");
    if (!incoming.valid()) {
        if (errno == ENOENT) return {};
        return system_error(Code::io, dir.incoming(), "cannot open to remove the old bundles' copies", errno);
    }
    for (const auto& name : *removed) {
        if (name.starts_with(".")) continue;  // a temporary of bundles/, not a bundle
        if (auto gone = remove_tree_at(incoming.get(), name, dir.incoming() + "/" + name); !gone) return gone;
    }
    return {};
}

}  // namespace bundle::node
