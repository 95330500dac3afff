// Checking the payload of an opened bundle, on every core. The work is split into chunks (see
// index.h); the first chunk of a member also checks the member's header bytes and the last its
// zero padding, so that after verify_members() every byte of the file has been accounted for.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"
#include "format/reader.h"

namespace bundle::format {

struct CheckOptions {
    unsigned jobs = 1;
    std::atomic<std::uint64_t>* progress = nullptr;  // payload bytes checked so far
    const std::atomic<bool>* cancel = nullptr;        // set (by a signal handler) to stop early
};

// One unit of parallel work: chunk `chunk` of member `member`. Directories and empty files have
// one item with chunk 0 and no data.
struct ChunkRef {
    std::size_t member;
    std::uint64_t chunk;
};
std::vector<ChunkRef> plan_chunks(const Index& index);

// A worker's buffer: grown to the chunk size once and never zero-filled, since every chunk
// overwrites what it uses.
class ChunkBuffer {
public:
    unsigned char* data() { return bytes_.get(); }
    std::size_t size() const { return size_; }
    void resize(std::size_t size) {
        if (size > capacity_) {
            bytes_ = std::make_unique_for_overwrite<unsigned char[]>(size);
            capacity_ = size;
        }
        size_ = size;
    }

private:
    std::unique_ptr<unsigned char[]> bytes_;
    std::size_t capacity_ = 0;
    std::size_t size_ = 0;
};

// Reads the chunk into `buffer` (resized to the chunk's length) and checks it against the index,
// with the header and padding checks described above. Errors name the member.
Status read_checked_chunk(const OpenBundle& bundle, const ChunkRef& ref, ChunkBuffer& buffer);

Status verify_members(const OpenBundle& bundle, const CheckOptions& options);

}  // namespace bundle::format
