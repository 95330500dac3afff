// The bundle as a child's stdin (an upload): read in 1 MiB pieces through one buffer, so memory
// stays flat whatever its size, hashed on the way, and counted for progress. The bundle was
// verified before; a file that changed since (another size, another SHA-256) ends the stream
// with Code::digest rather than sending something else under the verified name.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/fd.h"
#include "hash/sha256.h"

namespace bundle::deliver {

class BundleStream {
public:
    static Result<BundleStream> open(const std::string& path, std::uint64_t size, std::string sha256,
                                     std::atomic<std::uint64_t>* progress);

    // The next piece, or an empty view at the end (after the digest matched).
    Result<std::string_view> next();

private:
    BundleStream() = default;

    std::string path_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::uint64_t offset_ = 0;
    std::string sha256_;
    hash::Sha256 hasher_;
    std::unique_ptr<char[]> buffer_;
    std::atomic<std::uint64_t>* progress_ = nullptr;
};

}  // namespace bundle::deliver
