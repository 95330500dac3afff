#include "format/extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <unordered_map>

#include "core/parallel.h"
#include "core/safe_fs.h"
#include "format/member_path.h"
#include "format/verify.h"

namespace bundle::format {
namespace {

// The index cannot carry setuid, setgid or sticky bits (parse_index refuses them); the mask keeps
// extraction safe even if that rule is ever relaxed.
constexpr std::uint32_t kPermissionBits = 0777;

enum class TargetState { missing, empty_directory, full_directory };

Result<TargetState> inspect_target(int parent, const std::string& name, const std::string& target) {
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return TargetState::missing;
        return system_error(Code::io, target, "cannot examine the target", errno);
    }
    if (S_ISLNK(st.st_mode)) return Error{Code::unsafe_path, target, "is a symbolic link; not extracting through it"};
    if (!S_ISDIR(st.st_mode)) return Error{Code::io, target, "exists and is not a directory"};
    auto empty = directory_is_empty(parent, name);
    if (!empty) return std::move(empty).error();
    return *empty ? TargetState::empty_directory : TargetState::full_directory;
}

Status finish_file(int fd, const std::string& shown, const Member& member, std::int64_t mtime) {
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    if (::fchmod(fd, member.mode & kPermissionBits) != 0 || ::futimens(fd, times) != 0)
        return system_error(Code::io, shown, "cannot set mode or time", errno);
    return {};
}

// Holds a descriptor for every directory it creates and for every file that takes several chunks,
// so that the workers resolve no path: each write is one openat() below a known directory, or
// one pwrite() to a known file. The descriptors are opened before the parallel phase and only
// read during it.
class Extractor {
public:
    Extractor(const OpenBundle& bundle, int staging, std::string target, const ExtractOptions& options)
        : b_(bundle), staging_(staging), target_(std::move(target)), options_(options),
          buffers_(worker_count(options.jobs)),
          descriptors_(bundle.index.members.size()) {}

    // Directories first (the index lists parents before children), then the files that take
    // several chunks, sized up front so that a full disk shows before the long work.
    Status prepare() {
        for (std::size_t i = 0; i < b_.index.members.size(); ++i) {
            const Member& member = b_.index.members[i];
            int parent = parent_fd(member);
            const char* name = leaf_name(member);
            if (member.kind == Kind::directory) {
                if (::mkdirat(parent, name, 0700) != 0)
                    return system_error(Code::io, shown(member), "cannot create directory", errno);
                BUNDLE_TRY(keep(i, ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)));
                directories_.emplace(member.path, descriptors_[i].get());
            } else if (member.chunks.size() > 1) {
                BUNDLE_TRY(keep(i, ::openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)));
                BUNDLE_TRY(reserve_space(descriptors_[i].get(), member.size, shown(member)));
            }
        }
        return {};
    }

    Status run(const ChunkRef& ref, unsigned worker) {
        ChunkBuffer& buffer = buffers_[worker];
        BUNDLE_TRY(read_checked_chunk(b_, ref, buffer));
        const Member& member = b_.index.members[ref.member];
        if (member.kind == Kind::directory) return {};
        if (member.chunks.size() <= 1) {  // created, written and finished by one worker
            int fd = ::openat(parent_fd(member), leaf_name(member), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0) return system_error(Code::io, shown(member), "cannot create", errno);
            UniqueFd file(fd);
            BUNDLE_TRY(pwrite_all(fd, buffer.data(), buffer.size(), 0, shown(member)));
            start_writeback(fd, 0, buffer.size());
            BUNDLE_TRY(finish_file(fd, shown(member), member, b_.index.created));
        } else {
            int fd = descriptors_[ref.member].get();
            std::uint64_t at = ref.chunk * b_.index.chunk_size;
            BUNDLE_TRY(pwrite_all(fd, buffer.data(), buffer.size(), at, shown(member)));
            start_writeback(fd, at, buffer.size());
        }
        if (options_.progress) options_.progress->fetch_add(buffer.size(), std::memory_order_relaxed);
        return {};
    }

    // Modes and times of large files and of directories (children first, since writing into a
    // directory changes its time), once all content is in place.
    Status finish() {
        for (std::size_t i = b_.index.members.size(); i-- > 0;) {
            if (!descriptors_[i].valid()) continue;
            BUNDLE_TRY(finish_file(descriptors_[i].get(), shown(b_.index.members[i]), b_.index.members[i], b_.index.created));
        }
        // The staging folder was made 0700 so that nobody could look in while it filled.
        if (::fchmod(staging_, 0755) != 0) return system_error(Code::io, target_, "cannot set the target's mode", errno);
        if (options_.sync && ::syncfs(staging_) != 0)
            return system_error(Code::io, target_, "cannot sync the extracted files", errno);
        return {};
    }

private:
    std::string shown(const Member& member) const { return target_ + "/" + member.path; }

    int parent_fd(const Member& member) const {
        std::string_view parent = parent_of(member.path);
        return parent.empty() ? staging_ : directories_.at(parent);  // parse_index: parents come first
    }
    static const char* leaf_name(const Member& member) {
        std::size_t parent = parent_of(member.path).size();
        return member.path.c_str() + (parent == 0 ? 0 : parent + 1);
    }

    Status keep(std::size_t member, int fd) {
        if (fd < 0) {
            if (errno == EMFILE)
                return system_error(Code::io, shown(b_.index.members[member]),
                                    "too many open files (raise the limit with ulimit -n)", errno);
            return system_error(Code::io, shown(b_.index.members[member]), "cannot open", errno);
        }
        descriptors_[member].reset(fd);
        return {};
    }

    // Asks the kernel to start writing the range to disk now, without waiting, so that the disk
    // works while the cores hash; the final syncfs() then has little left to wait for.
    void start_writeback(int fd, std::uint64_t offset, std::size_t length) const {
        // Advisory: if it fails, writeback only starts later, and syncfs() still waits for it.
        if (options_.sync && length > 0)
            (void)::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(length), SYNC_FILE_RANGE_WRITE);
    }

    const OpenBundle& b_;
    int staging_;
    std::string target_;
    const ExtractOptions& options_;
    std::vector<ChunkBuffer> buffers_;
    std::vector<UniqueFd> descriptors_;  // by member: directories and multi-chunk files
    std::unordered_map<std::string_view, int> directories_;
};

// The target's parent directory, the target's name in it, and how errors show the target.
struct Target {
    UniqueFd parent;
    std::string name;
    std::string shown;
};

Result<Target> open_target(const std::string& target) {
    std::filesystem::path path(target);
    while (path.has_relative_path() && path.filename().empty()) path = path.parent_path();  // "dir/" -> "dir"
    std::string name = path.filename().string();
    if (name.empty() || name == "." || name == "..")
        return Error{Code::usage, target, "is not a directory name to extract into"};
    std::string parent_path = path.has_parent_path() ? path.parent_path().string() : ".";
    int fd = ::open(parent_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return system_error(Code::io, parent_path, "cannot open the target's parent directory", errno);
    return Target{UniqueFd(fd), name, target};
}

Error not_empty(const Target& t) {
    return Error{Code::io, t.shown, "is not empty; give --replace to swap it for the extracted tree"};
}

// A fresh staging folder beside the target, ".<name>.staging-<pid>-<n>", mode 0700; those left by
// runs that were killed are removed first.
Result<std::string> make_staging(const Target& t) {
    std::string prefix = "." + t.name + ".staging-";
    remove_stale_temporaries(t.parent.get(), prefix);
    for (unsigned n = 0; n < 100; ++n) {
        std::string staging = prefix + std::to_string(::getpid()) + "-" + std::to_string(n);
        if (::mkdirat(t.parent.get(), staging.c_str(), 0700) == 0) return staging;
        if (errno != EEXIST) return system_error(Code::io, t.shown, "cannot create the staging directory", errno);
    }
    return Error{Code::io, t.shown, "cannot find a free staging directory name"};
}

// Moves the finished staging tree to the target's name, never over a non-empty target unless
// replacing, when the two are exchanged atomically. Once the new tree is in place the work is
// done: removing the previous tree is best effort (a leftover is removed by the next run).
Status switch_into_place(const Target& t, const std::string& staging, bool replace, bool sync) {
    auto state = inspect_target(t.parent.get(), t.name, t.shown);
    if (!state) return std::move(state).error();
    int parent = t.parent.get();
    if (*state == TargetState::full_directory && !replace) return not_empty(t);
    if (*state == TargetState::missing || !replace) {
        // An empty target is removed first so that the rename below cannot replace a directory
        // that filled up in the meantime: RENAME_NOREPLACE fails instead.
        if (*state == TargetState::empty_directory && ::unlinkat(parent, t.name.c_str(), AT_REMOVEDIR) != 0)
            return errno == ENOTEMPTY ? not_empty(t) : system_error(Code::io, t.shown, "cannot replace the empty target", errno);
        if (::renameat2(parent, staging.c_str(), parent, t.name.c_str(), RENAME_NOREPLACE) != 0)
            return system_error(Code::io, t.shown, "cannot move the extracted tree into place", errno);
    } else {
        if (::renameat2(parent, staging.c_str(), parent, t.name.c_str(), RENAME_EXCHANGE) != 0)
            return system_error(Code::io, t.shown, "cannot swap the extracted tree into place", errno);
        (void)remove_tree_at(parent, staging);  // the previous target, now under the staging name
    }
    if (sync && ::fsync(parent) != 0)
        return system_error(Code::io, t.shown, "extracted, but syncing its parent directory failed", errno);
    return {};
}

Status extract_into(const OpenBundle& bundle, const Target& t, const std::string& staging,
                    const ExtractOptions& options) {
    // A real descriptor, not O_PATH: syncfs() needs one.
    UniqueFd staging_fd(::openat(t.parent.get(), staging.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!staging_fd.valid()) return system_error(Code::io, t.shown, "cannot open the staging directory", errno);
    Extractor extractor(bundle, staging_fd.get(), t.shown, options);
    std::vector<ChunkRef> refs = plan_chunks(bundle.index);
    BUNDLE_TRY(extractor.prepare());
    BUNDLE_TRY(parallel_for(
        refs.size(), options.jobs, [&](std::size_t i, unsigned worker) { return extractor.run(refs[i], worker); },
        options.cancel));
    return extractor.finish();
}

}  // namespace

Status extract_bundle(const OpenBundle& bundle, const std::string& target, const ExtractOptions& options) {
    if (!bundle.signature_checked)
        return Error{Code::signature, bundle.path, "refusing to extract a bundle whose signature was not checked"};
    auto t = open_target(target);
    if (!t) return std::move(t).error();
    auto state = inspect_target(t->parent.get(), t->name, t->shown);
    if (!state) return std::move(state).error();
    if (*state == TargetState::full_directory && !options.replace) return not_empty(*t);

    auto staging = make_staging(*t);
    if (!staging) return std::move(staging).error();
    Status status = extract_into(bundle, *t, *staging, options);
    if (status) status = switch_into_place(*t, *staging, options.replace, options.sync);
    if (!status) {
        Status removed = remove_tree_at(t->parent.get(), *staging);
        if (!removed) {
            Error error = std::move(status).error();
            error.message += " (and the staging folder " + *staging + " could not be removed: " +
                             removed.error().message + ")";
            return error;
        }
        return status;
    }
    return {};
}

}  // namespace bundle::format
