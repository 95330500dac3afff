#include "deliver/bundle_stream.h"

#include <algorithm>

namespace bundle::deliver {
namespace {

constexpr std::size_t kPieceSize = 1 << 20;

}  // namespace

Result<BundleStream> BundleStream::open(const std::string& path, std::uint64_t size, std::string sha256,
                                        std::atomic<std::uint64_t>* progress) {
    auto fd = open_for_reading(path);
    if (!fd) return std::move(fd).error();
    auto actual = file_size(fd->get(), path);
    if (!actual) return std::move(actual).error();
    if (*actual != size)
        return Error{Code::digest, path, "changed since it was verified (its size differs); try again"};
    BundleStream stream;
    stream.path_ = path;
    stream.fd_ = std::move(*fd);
    stream.size_ = size;
    stream.sha256_ = std::move(sha256);
    stream.buffer_ = std::make_unique_for_overwrite<char[]>(kPieceSize);
    stream.progress_ = progress;
    return stream;
}

Result<std::string_view> BundleStream::next() {
    if (offset_ == size_) {
        if (!sha256_.empty()) {
            auto digest = hasher_.finish();
            if (!digest) return std::move(digest).error();
            if (hash::to_hex(*digest) != sha256_)
                return Error{Code::digest, path_, "changed since it was verified (its SHA-256 differs); try again"};
            sha256_.clear();  // checked once; later calls only repeat the end
        }
        return std::string_view{};
    }
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(kPieceSize, size_ - offset_));
    BUNDLE_TRY(pread_exact(fd_.get(), buffer_.get(), want, offset_, path_));
    BUNDLE_TRY(hasher_.update(buffer_.get(), want));
    offset_ += want;
    if (progress_ != nullptr) progress_->store(offset_);
    return std::string_view(buffer_.get(), want);
}

}  // namespace bundle::deliver
