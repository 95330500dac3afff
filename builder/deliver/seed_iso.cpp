#include "deliver/seed_iso.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "format/inspect.h"
#include "hash/sha256.h"

namespace bundle::deliver {
namespace {

constexpr std::size_t kCopySize = 1 << 20;
// Beyond the files' data: volume descriptors, path tables, directory records and libarchive's
// 300 KiB of trailing padding.
constexpr std::uint64_t kImageOverhead = 4 << 20;

// archive_write_free() would finish an unclosed image (copying every staged byte into it) before
// freeing it; after a failure that work is wasted, so the archive is marked failed first. After
// a successful close, marking it changes nothing.
struct ArchiveFree {
    void operator()(archive* a) const {
        archive_write_fail(a);
        archive_write_free(a);
    }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

// What the write callback needs: the image's descriptor, and the progress to report.
struct Sink {
    int fd = -1;
    std::uint64_t staged = 0;   // bundle bytes handed to libarchive
    std::uint64_t written = 0;  // image bytes written
    std::uint64_t work = 0;
    const IsoProgress* progress = nullptr;

    void report() const {
        if (progress->done != nullptr) progress->done->store(std::min(staged + written, work));
    }
    bool cancelled() const { return progress->cancel != nullptr && progress->cancel->load(); }
};

la_ssize_t write_image(archive* a, void* client, const void* buffer, size_t size) {
    auto* sink = static_cast<Sink*>(client);
    if (sink->cancelled()) {
        archive_set_error(a, ECANCELED, "interrupted");
        return -1;
    }
    const char* bytes = static_cast<const char*>(buffer);
    size_t left = size;
    while (left > 0) {
        ssize_t n = ::write(sink->fd, bytes, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            archive_set_error(a, errno, "cannot write the image");
            return -1;
        }
        bytes += n;
        left -= static_cast<size_t>(n);
    }
    sink->written += size;
    sink->report();
    return static_cast<la_ssize_t>(size);
}

Error archive_failure(archive* a, const std::string& where, const std::string& doing) {
    const char* text = archive_error_string(a);
    return Error{Code::io, where, doing + ": " + (text != nullptr ? text : "libarchive gave no reason")};
}

struct Space {
    std::uint64_t free = 0;  // for an unprivileged writer
    dev_t device = 0;        // the filesystem it is on
};

Result<Space> free_space(const std::string& dir) {
    struct statvfs fs {};
    struct stat st {};
    if (::statvfs(dir.c_str(), &fs) != 0 || ::stat(dir.c_str(), &st) != 0)
        return system_error(Code::io, dir, "cannot check free space", errno);
    return Space{std::uint64_t{fs.f_bavail} * fs.f_frsize, st.st_dev};
}

// The image's folder needs the image; the staging folder the bundle's copy (the same folder,
// when both are on one filesystem, needs both). Checked first, so that a full disk shows before
// minutes of copying rather than after.
Status check_space(const SeedIso& iso) {
    std::string out_dir = std::filesystem::path(iso.out_path).parent_path().string();
    if (out_dir.empty()) out_dir = ".";
    std::string stage = staging_dir();
    auto out_free = free_space(out_dir);
    if (!out_free) return std::move(out_free).error();
    auto stage_free = free_space(stage);
    if (!stage_free) return Error{Code::io, stage, "cannot use it for libarchive's staging copy ($TMPDIR, else /tmp)"};
    std::uint64_t image = iso.bundle_size + iso.user_data.size() + iso.meta_data.size() + kImageOverhead;
    bool shared = out_free->device == stage_free->device;
    std::uint64_t out_need = image + (shared ? iso.bundle_size : 0);
    if (out_free->free < out_need)
        return Error{Code::io, out_dir,
                     "has " + format::human_size(out_free->free) + " free; the seed image needs " +
                         format::human_size(out_need) +
                         (shared ? " (the image, and libarchive's staging copy of the bundle in " + stage + ")" : "")};
    if (!shared && stage_free->free < iso.bundle_size)
        return Error{Code::io, stage,
                     "has " + format::human_size(stage_free->free) + " free; libarchive stages the bundle there (" +
                         format::human_size(iso.bundle_size) + "): set TMPDIR to a folder with room"};
    return {};
}

EntryPtr file_entry(const std::string& name, std::uint64_t size, unsigned mode, std::int64_t mtime) {
    EntryPtr entry(archive_entry_new());
    if (!entry) return entry;
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), static_cast<mode_t>(mode));
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(mtime), 0);
    return entry;
}

Status write_all(archive* a, const void* data, std::size_t size, const std::string& where) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        la_ssize_t n = archive_write_data(a, bytes, size);
        if (n <= 0) return archive_failure(a, where, "cannot add it to the image");
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

Status add_text(archive* a, const std::string& name, const std::string& text, unsigned mode, std::int64_t mtime,
                const std::string& where) {
    EntryPtr entry = file_entry(name, text.size(), mode, mtime);
    if (!entry) return Error{Code::internal, where, "out of memory"};
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK) return archive_failure(a, where, "cannot add " + name);
    return write_all(a, text.data(), text.size(), where + ": " + name);
}

// Streams the bundle into the image in 1 MiB reads, hashing it on the way.
Status add_bundle(archive* a, const SeedIso& iso, Sink& sink) {
    auto fd = open_for_reading(iso.bundle_path);
    if (!fd) return std::move(fd).error();
    auto size = file_size(fd->get(), iso.bundle_path);
    if (!size) return std::move(size).error();
    if (*size != iso.bundle_size)
        return Error{Code::digest, iso.bundle_path, "changed since it was verified (its size differs); try again"};
    EntryPtr entry = file_entry(iso.bundle_name, iso.bundle_size, 0444, iso.mtime);
    if (!entry) return Error{Code::internal, iso.bundle_path, "out of memory"};
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK)
        return archive_failure(a, iso.out_path, "cannot add " + iso.bundle_name);
    auto buffer = std::make_unique_for_overwrite<unsigned char[]>(kCopySize);
    hash::Sha256 hasher;
    for (std::uint64_t offset = 0; offset < iso.bundle_size;) {
        if (sink.cancelled()) return Error{Code::io, iso.out_path, "interrupted; nothing was written"};
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kCopySize, iso.bundle_size - offset));
        BUNDLE_TRY(pread_exact(fd->get(), buffer.get(), want, offset, iso.bundle_path));
        BUNDLE_TRY(hasher.update(buffer.get(), want));
        BUNDLE_TRY(write_all(a, buffer.get(), want, iso.out_path));
        offset += want;
        sink.staged = offset;
        sink.report();
    }
    auto digest = hasher.finish();
    if (!digest) return std::move(digest).error();
    if (hash::to_hex(*digest) != iso.bundle_sha256)
        return Error{Code::digest, iso.bundle_path, "changed since it was verified (its SHA-256 differs); try again"};
    return {};
}

Status set_options(archive* a, const std::string& where) {
    if (archive_write_set_format_iso9660(a) != ARCHIVE_OK) return archive_failure(a, where, "no ISO 9660 writer");
    std::string options = std::string("iso9660:volume-id=") + kSeedVolumeId +
                          ",iso9660:rockridge=strict,iso9660:joliet,iso9660:iso-level=3";
    if (archive_write_set_options(a, options.c_str()) != ARCHIVE_OK)
        return archive_failure(a, where, "libarchive refused the ISO 9660 options " + options);
    // The image ends where the ISO 9660 writer ends it, not padded to libarchive's block size.
    if (archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
        return archive_failure(a, where, "cannot set the block size");
    return {};
}

}  // namespace

std::string staging_dir() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr ? dir : "/tmp";
}

Status write_seed_iso(const SeedIso& iso, const IsoProgress& progress) {
    BUNDLE_TRY(check_space(iso));
    auto file = AtomicFile::create(iso.out_path, 0600);
    if (!file) return std::move(file).error();
    Sink sink{file->fd(), 0, 0, iso_work(iso.bundle_size), &progress};
    ArchivePtr a(archive_write_new());
    if (!a) return Error{Code::internal, iso.out_path, "out of memory"};
    BUNDLE_TRY(set_options(a.get(), iso.out_path));
    if (archive_write_open2(a.get(), &sink, nullptr, write_image, nullptr, nullptr) != ARCHIVE_OK)
        return archive_failure(a.get(), iso.out_path, "cannot start the image");
    BUNDLE_TRY(add_text(a.get(), "user-data", iso.user_data, 0400, iso.mtime, iso.out_path));
    BUNDLE_TRY(add_text(a.get(), "meta-data", iso.meta_data, 0444, iso.mtime, iso.out_path));
    if (!iso.bundle_path.empty()) BUNDLE_TRY(add_bundle(a.get(), iso, sink));
    // Here libarchive lays out the volume and copies the staged data into the image.
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
        if (sink.cancelled()) return Error{Code::io, iso.out_path, "interrupted; nothing was written"};
        return archive_failure(a.get(), iso.out_path, "cannot finish the image");
    }
    return file->commit();
}

}  // namespace bundle::deliver
