// Setting a joining node's old K3s database aside (old_database.h).
#include "node/old_database.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/fd.h"
#include "core/safe_fs.h"
#include "node/state.h"

namespace bundle::node {
namespace {

constexpr char kServer[] = "/var/lib/rancher/k3s/server";
constexpr char kKept[] = "snapshots/old-databases";
// What K3s keeps of its snapshots under its default snapshot folder's parent (pkg/etcd/snapshot.go:
// snapshotDir is db/snapshots, the metadata beside it in db/.metadata).
constexpr const char* kSnapshotEntries[] = {"snapshots", ".metadata"};

// 1 when `name` exists in `dir` (not following a link), 0 when it does not, -1 on an error (errno).
int entry_exists(int dir, const std::string& name, struct stat* st = nullptr) {
    struct stat local {};
    if (::fstatat(dir, name.c_str(), st != nullptr ? st : &local, AT_SYMLINK_NOFOLLOW) == 0) return 1;
    return errno == ENOENT ? 0 : -1;
}

Status sync_directory(int dir, const std::string& shown) {
    if (::fsync(dir) != 0) return system_error(Code::io, shown, "directory fsync failed", errno);
    return {};
}

// The entries of `dir` named db.<something>, oldest first (the stamps sort as they age).
Result<std::vector<std::string>> set_aside_names(int dir, const std::string& shown) {
    int copy = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return system_error(Code::io, shown, "cannot read the folder", errno);
    DIR* handle = ::fdopendir(copy);
    if (handle == nullptr) {
        ::close(copy);
        return system_error(Code::io, shown, "cannot read the folder", errno);
    }
    ::rewinddir(handle);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = ::readdir(handle)) {
        std::string name = entry->d_name;
        if (name.size() > 3 && name.starts_with("db.")) names.push_back(name);
    }
    // A listing cut short by an error would make the pruning count the newest as old.
    int err = errno;
    ::closedir(handle);
    if (err != 0) return system_error(Code::io, shown, "cannot read the folder", err);
    std::sort(names.begin(), names.end());
    return names;
}

// Moves the snapshots of the set-aside database `name` (a real folder in `server`) to
// server/snapshots/old-databases/<name>/; true when there were any.
Result<bool> keep_snapshots(int server, const std::string& server_path, const std::string& name) {
    std::string shown = server_path + "/" + name;
    UniqueFd old(::openat(server, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!old.valid()) return system_error(Code::io, shown, "cannot open", errno);
    bool any = false;
    std::string kept_path = server_path + "/" + kKept + "/" + name;
    for (const char* entry : kSnapshotEntries) {
        int found = entry_exists(old.get(), entry);
        if (found < 0) return system_error(Code::io, shown + "/" + entry, "cannot inspect", errno);
        if (found == 0) continue;
        if (auto made = make_directories(kept_path, 0700); !made) return std::move(made).error();
        UniqueFd kept(::open(kept_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!kept.valid()) return system_error(Code::io, kept_path, "cannot open", errno);
        if (::renameat(old.get(), entry, kept.get(), entry) != 0)
            return system_error(Code::io, shown + "/" + entry, "cannot move it to " + kept_path, errno);
        if (auto synced = sync_directory(kept.get(), kept_path); !synced) return std::move(synced).error();
        any = true;
    }
    if (any)
        if (auto synced = sync_directory(old.get(), shown); !synced) return std::move(synced).error();
    return any;
}

// Removes the set-aside databases beyond the newest kOldDatabasesKept, their snapshots moved out
// first: a snapshot that cannot be moved stops the pruning before anything is removed.
Status prune(int server, const std::string& server_path, std::vector<std::string>& said) {
    auto names = set_aside_names(server, server_path);
    if (!names) return std::move(names).error();
    if (names->size() <= static_cast<std::size_t>(kOldDatabasesKept)) return {};
    names->resize(names->size() - kOldDatabasesKept);
    for (const std::string& name : *names) {
        struct stat st {};
        int found = entry_exists(server, name, &st);
        if (found < 0) return system_error(Code::io, server_path + "/" + name, "cannot inspect", errno);
        if (found == 0) continue;
        bool snapshots = false;
        if (S_ISDIR(st.st_mode)) {
            auto kept = keep_snapshots(server, server_path, name);
            if (!kept) return std::move(kept).error();
            snapshots = *kept;
        }
        if (auto removed = remove_tree_at(server, name, server_path + "/" + name); !removed) return removed;
        said.push_back("removed the old database " + server_path + "/" + name + " (the newest " +
                       std::to_string(kOldDatabasesKept) + " set-aside databases are kept); " +
                       (snapshots ? "its snapshots are kept in " + server_path + "/" + kKept + "/" + name
                                  : std::string("it held no snapshots")));
    }
    return sync_directory(server, server_path);
}

// Renames server/db to db.<stamp> (or db.<stamp>-N when that is taken).
Status move_aside(int server, const std::string& server_path, const std::string& stamp, std::vector<std::string>& said) {
    std::string name = "db." + stamp;
    for (int n = 2;; ++n) {
        int taken = entry_exists(server, name);
        if (taken < 0) return system_error(Code::io, server_path + "/" + name, "cannot inspect", errno);
        if (taken == 0) break;
        name = "db." + stamp + "-" + std::to_string(n);
    }
    if (::renameat(server, "db", server, name.c_str()) != 0)
        return system_error(Code::io, server_path + "/db", "cannot move it aside to " + name, errno);
    if (auto synced = sync_directory(server, server_path); !synced) return synced;
    said.push_back("moved this node's old database aside to " + server_path + "/" + name +
                   " (K3s joins with an empty one; the snapshots in it are kept)");
    return {};
}

}  // namespace

std::string database_stamp() { return utc_now("%Y%m%dT%H%M%SZ"); }

Result<SetAside> set_database_aside(const std::string& root, const std::string& stamp) {
    std::string server_path = root + kServer;
    SetAside done;
    UniqueFd server(::open(server_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!server.valid()) {
        if (errno == ENOENT) return done;
        return system_error(Code::io, server_path, "cannot open", errno);
    }
    int found = entry_exists(server.get(), "db");
    if (found < 0) return system_error(Code::io, server_path + "/db", "cannot inspect", errno);
    if (found == 1) {
        if (auto moved = move_aside(server.get(), server_path, stamp, done.said); !moved) return std::move(moved).error();
        done.moved = true;
    }
    // Also without a database now: a pruning that a crash interrupted is finished.
    if (auto pruned = prune(server.get(), server_path, done.said); !pruned) return std::move(pruned).error();
    return done;
}

}  // namespace bundle::node
