#include "fetch/cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/atomic_file.h"
#include "core/fd.h"

namespace bundle::fetch {
namespace {

namespace fs = std::filesystem;

// The XXH3 sidecar: "xxh3 <16 hex digits> <size>\n".
struct Fingerprint {
    XXH64_hash_t xxh3 = 0;
    std::uint64_t size = 0;

    bool operator==(const Fingerprint&) const = default;
    std::string text() const {
        char line[64];
        std::snprintf(line, sizeof line, "xxh3 %016llx %llu\n", static_cast<unsigned long long>(xxh3),
                      static_cast<unsigned long long>(size));
        return line;
    }
};

std::optional<Fingerprint> parse_fingerprint(const std::string& text) {
    unsigned long long hash = 0;
    unsigned long long size = 0;
    char end = 0;
    if (std::sscanf(text.c_str(), "xxh3 %16llx %llu%c", &hash, &size, &end) != 3 || end != '\n') return std::nullopt;
    return Fingerprint{static_cast<XXH64_hash_t>(hash), static_cast<std::uint64_t>(size)};
}

struct StateFree {
    void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
};

// Never through a link: a link in sha256/ is not an entry, whatever its target holds.
Result<Fingerprint> fingerprint(const fs::path& file) {
    int raw = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (raw < 0) return system_error(Code::io, file.string(), "cannot open for reading", errno);
    UniqueFd fd(raw);
    std::unique_ptr<XXH3_state_t, StateFree> state(XXH3_createState());
    if (!state || XXH3_64bits_reset(state.get()) != XXH_OK)
        return Error{Code::internal, file.string(), "cannot start XXH3"};
    std::vector<char> buffer(1 << 20);
    Fingerprint result;
    for (;;) {
        ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return system_error(Code::io, file.string(), "read failed", errno);
        if (got == 0) break;
        if (XXH3_64bits_update(state.get(), buffer.data(), static_cast<std::size_t>(got)) != XXH_OK)
            return Error{Code::internal, file.string(), "XXH3 update failed"};
        result.size += static_cast<std::uint64_t>(got);
    }
    result.xxh3 = XXH3_64bits_digest(state.get());
    return result;
}

Result<std::optional<std::string>> read_small(const fs::path& file) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return system_error(Code::io, file.string(), "cannot open", errno);
    }
    UniqueFd owned(fd);
    char buffer[256];
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) return system_error(Code::io, file.string(), "read failed", errno);
    return std::optional<std::string>(std::string(buffer, static_cast<std::size_t>(got)));
}

// An exclusive flock on <root>/lock, held while an entry is published or removed, so that one
// run never removes an entry that another has just inserted.
class RootLock {
public:
    static Result<RootLock> acquire(const fs::path& root) {
        fs::path path = root / "lock";
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) return system_error(Code::io, path.string(), "cannot open the cache lock", errno);
        UniqueFd owned(fd);
        while (::flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) return system_error(Code::io, path.string(), "cannot lock the cache", errno);
        }
        return RootLock(std::move(owned));
    }

private:
    explicit RootLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;  // closing it releases the lock
};

fs::path sidecar_of(const fs::path& entry) {
    fs::path sidecar = entry;
    sidecar += ".xxh3";
    return sidecar;
}

// True when the entry is a regular file (not a link) whose content still matches its sidecar.
Result<bool> entry_intact(const fs::path& entry) {
    struct stat st {};
    if (::lstat(entry.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    auto recorded = read_small(sidecar_of(entry));
    if (!recorded) return std::move(recorded).error();
    if (!*recorded) return false;
    auto expected = parse_fingerprint(**recorded);
    if (!expected) return false;
    auto actual = fingerprint(entry);
    if (!actual) return std::move(actual).error();
    return *actual == *expected;
}

// Entries are trusted by their XXH3, which is no defence against someone who can write them:
// every folder of the cache must be ours and writable by nobody else. Otherwise another user
// who created the folder first (the /tmp fallback of default_root()) could plant content under
// a pinned digest.
Status check_private(const fs::path& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return system_error(Code::io, dir.string(), "cannot stat", errno);
    if (!S_ISDIR(st.st_mode)) return Error{Code::io, dir.string(), "not a folder"};
    if (st.st_uid != ::geteuid())
        return Error{Code::unsafe_path, dir.string(),
                     "the cache folder belongs to another user (uid " + std::to_string(st.st_uid) +
                         "); its content cannot be trusted"};
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return Error{Code::unsafe_path, dir.string(),
                     "the cache folder is writable by other users; its content cannot be trusted (chmod go-w)"};
    return {};
}

Status remove_if_present(const fs::path& file) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT)
        return system_error(Code::io, file.string(), "cannot remove", errno);
    return {};
}

}  // namespace

fs::path Cache::default_root() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg != nullptr && xdg[0] == '/') return fs::path(xdg) / "bundle";  // relative: ignored, per XDG
    const char* home = std::getenv("HOME");
    if (home != nullptr && home[0] != '\0') return fs::path(home) / ".cache" / "bundle";
    // Last resort, in a shared folder: open() refuses it if another user created it first.
    std::error_code ec;
    fs::path temp = fs::temp_directory_path(ec);
    return (ec ? fs::path("/tmp") : temp) / ("bundle-cache-" + std::to_string(::geteuid()));
}

Result<Cache> Cache::open(const fs::path& root) {
    for (const fs::path& dir : {root, root / "sha256", root / "partial"}) {
        std::error_code ec;
        if (!fs::exists(dir, ec)) {
            fs::create_directories(dir, ec);
            if (ec) return Error{Code::io, dir.string(), "cannot create the cache folder: " + ec.message()};
            if (::chmod(dir.c_str(), 0700) != 0) return system_error(Code::io, dir.string(), "cannot set mode", errno);
        }
        BUNDLE_TRY(check_private(dir));
    }
    return Cache(root);
}

fs::path Cache::path_of(const hash::Sha256Digest& digest) const { return root_ / "sha256" / hash::to_hex(digest); }

fs::path Cache::partial_path(const std::string& key) const { return root_ / "partial" / (key + ".part"); }

Result<std::optional<fs::path>> Cache::find(const hash::Sha256Digest& digest) const {
    fs::path entry = path_of(digest);
    struct stat st {};
    if (::lstat(entry.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::optional<fs::path>{};
        return system_error(Code::io, entry.string(), "cannot stat", errno);
    }
    if (S_ISREG(st.st_mode)) {
        auto intact = entry_intact(entry);
        if (!intact) return std::move(intact).error();
        if (*intact) return std::optional<fs::path>(entry);
    }
    // Corrupt (or not a file): remove it under the lock, after checking again that another run
    // did not replace it with a good copy in the meantime.
    auto lock = RootLock::acquire(root_);
    if (!lock) return std::move(lock).error();
    auto intact = entry_intact(entry);
    if (intact && *intact) return std::optional<fs::path>(entry);
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(entry, ec))) fs::remove_all(entry, ec);
    BUNDLE_TRY(remove_if_present(entry));
    BUNDLE_TRY(remove_if_present(sidecar_of(entry)));
    return std::optional<fs::path>{};
}

Status Cache::insert(const fs::path& file, const hash::Sha256Digest& digest) const {
    auto print = fingerprint(file);
    if (!print) return std::move(print).error();
    fs::path entry = path_of(digest);
    {
        int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return system_error(Code::io, file.string(), "cannot open", errno);
        UniqueFd owned(fd);
        if (::fchmod(fd, 0444) != 0) return system_error(Code::io, file.string(), "cannot set mode", errno);
        // Not synced: an entry that a crash left torn fails its XXH3 check on its next use and is
        // fetched again (find()), so the cache needs no fsync, which on a slow disk cost more than
        // the download itself. The bundle written from it is synced.
    }
    auto lock = RootLock::acquire(root_);
    if (!lock) return std::move(lock).error();
    // The sidecar first: an entry without a sidecar would count as corrupt, and a sidecar
    // without its entry is simply overwritten next time.
    BUNDLE_TRY(write_file_atomically(sidecar_of(entry).string(), print->text(), 0444));
    if (::rename(file.c_str(), entry.c_str()) != 0)
        return system_error(Code::io, entry.string(), "cannot move into the cache", errno);
    return {};
}

Result<fs::path> Cache::insert_bytes(std::string_view bytes) const {
    auto digest = hash::sha256(bytes);
    if (!digest) return std::move(digest).error();
    auto present = find(*digest);
    if (!present) return std::move(present).error();
    if (*present) return **present;

    // Written beside the partials, then published by insert() like a download.
    static std::atomic<unsigned> counter{0};
    fs::path staging = partial_path(hash::to_hex(*digest) + ".bytes-" + std::to_string(::getpid()) + "-" +
                                    std::to_string(counter.fetch_add(1)));
    {
        auto file = AtomicFile::create(staging.string(), 0600);
        if (!file) return std::move(file).error();
        BUNDLE_TRY(pwrite_all(file->fd(), bytes.data(), bytes.size(), 0, staging.string()));
        BUNDLE_TRY(file->commit());
    }
    Status inserted = insert(staging, *digest);
    if (!inserted) {
        static_cast<void>(::unlink(staging.c_str()));
        return std::move(inserted).error();
    }
    return path_of(*digest);
}

}  // namespace bundle::fetch
