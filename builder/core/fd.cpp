#include "core/fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace bundle {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
}

UniqueFd::~UniqueFd() { reset(); }

int UniqueFd::release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

void UniqueFd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

Result<UniqueFd> open_for_reading(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return system_error(Code::io, path, "cannot open for reading", errno);
    return UniqueFd(fd);
}

Status pread_exact(int fd, void* buffer, std::size_t size, std::uint64_t offset,
                   const std::string& where) {
    auto* out = static_cast<unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return system_error(Code::io, where, "read failed", errno);
        }
        if (n == 0) {
            return Error{Code::io, where,
                         "unexpected end of file at offset " + std::to_string(offset + done)};
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Status pwrite_all(int fd, const void* buffer, std::size_t size, std::uint64_t offset,
                  const std::string& where) {
    const auto* in = static_cast<const unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::pwrite(fd, in + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return system_error(Code::io, where, "write failed", errno);
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Status reserve_space(int fd, std::uint64_t size, const std::string& where) {
    int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
    if (err == 0) return {};
    if (err != EOPNOTSUPP && err != EINVAL) return system_error(Code::io, where, "cannot reserve space", err);
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return system_error(Code::io, where, "cannot set the size", errno);
    return {};
}

Result<std::uint64_t> file_size(int fd, const std::string& where) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return system_error(Code::io, where, "cannot stat", errno);
    return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace bundle
