#include "core/atomic_file.h"

#include "core/safe_fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>

namespace bundle {
namespace {

std::atomic<unsigned> temp_counter{0};

}  // namespace

AtomicFile::AtomicFile(UniqueFd dir, UniqueFd file, std::string path, std::string temp_name,
                       std::string final_name)
    : dir_(std::move(dir)),
      file_(std::move(file)),
      path_(std::move(path)),
      temp_name_(std::move(temp_name)),
      final_name_(std::move(final_name)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : dir_(std::move(other.dir_)),
      file_(std::move(other.file_)),
      path_(std::move(other.path_)),
      temp_name_(std::move(other.temp_name_)),
      final_name_(std::move(other.final_name_)),
      committed_(other.committed_) {
    other.committed_ = true;  // the moved-from object owns no temporary any more
}

AtomicFile::~AtomicFile() {
    if (!committed_ && dir_.valid()) ::unlinkat(dir_.get(), temp_name_.c_str(), 0);
}

Result<AtomicFile> AtomicFile::create(const std::string& path, mode_t mode) {
    std::filesystem::path p(path);
    std::string final_name = p.filename().string();
    if (final_name.empty()) return Error{Code::usage, path, "not a file name"};
    std::string parent = p.parent_path().empty() ? "." : p.parent_path().string();

    int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return system_error(Code::io, parent, "cannot open directory", errno);
    UniqueFd dir_fd(dir);

    std::string prefix = "." + final_name + ".tmp-";
    remove_stale_temporaries(dir, prefix);
    std::string temp_name = prefix + std::to_string(::getpid()) + "-" + std::to_string(temp_counter.fetch_add(1));
    int fd = ::openat(dir, temp_name.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return system_error(Code::io, path, "cannot create temporary file", errno);
    // The umask may have narrowed the mode; the caller asked for exactly this one.
    if (::fchmod(fd, mode) != 0) {
        int err = errno;
        ::close(fd);
        ::unlinkat(dir, temp_name.c_str(), 0);
        return system_error(Code::io, path, "cannot set mode", err);
    }
    return AtomicFile(std::move(dir_fd), UniqueFd(fd), path, temp_name, final_name);
}

Status AtomicFile::commit(Replace replace) {
    if (::fsync(file_.get()) != 0) return system_error(Code::io, path_, "fsync failed", errno);
    unsigned flags = replace == Replace::forbidden ? RENAME_NOREPLACE : 0;
    if (::renameat2(dir_.get(), temp_name_.c_str(), dir_.get(), final_name_.c_str(), flags) != 0) {
        if (errno == EEXIST) return Error{Code::io, path_, "already exists; not overwriting it"};
        return system_error(Code::io, path_, "cannot rename into place", errno);
    }
    committed_ = true;
    if (::fsync(dir_.get()) != 0) return system_error(Code::io, path_, "directory fsync failed", errno);
    file_.reset();
    return {};
}

Status write_file_atomically(const std::string& path, std::string_view content, mode_t mode,
                             Replace replace) {
    auto file = AtomicFile::create(path, mode);
    if (!file) return std::move(file).error();
    BUNDLE_TRY(pwrite_all(file->fd(), content.data(), content.size(), 0, path));
    return file->commit(replace);
}

}  // namespace bundle
