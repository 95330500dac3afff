// File descriptors owned by RAII, and read/write loops that either move every byte or say why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace bundle {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release();
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

// Opens an existing file for reading (close-on-exec); `where` names it in errors.
Result<UniqueFd> open_for_reading(const std::string& path);

// Reads exactly `size` bytes at `offset`; a short read is an error naming `where`.
Status pread_exact(int fd, void* buffer, std::size_t size, std::uint64_t offset,
                   const std::string& where);

// Writes all of `size` bytes at `offset`, retrying partial writes.
Status pwrite_all(int fd, const void* buffer, std::size_t size, std::uint64_t offset,
                  const std::string& where);

// Allocates `size` bytes for the file up front, so that a full disk shows before the long work;
// where the filesystem cannot preallocate, the file is just extended.
Status reserve_space(int fd, std::uint64_t size, const std::string& where);

// The size of an open file.
Result<std::uint64_t> file_size(int fd, const std::string& where);

}  // namespace bundle
