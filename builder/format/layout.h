// Where every byte of a bundle file goes. The layout is a pure function of the index size, the
// signature size and the members (path, kind, mode, size) with the creation time:
//
//   [index.json header][index bytes, zero padding to 512]
//   [index.json.sig header][signature bytes, zero padding]
//   for each member in index order: [header (pax + ustar)][data, zero padding]
//   [two zero blocks]  <- end of archive; nothing may follow
//
// The writer assigns member offsets from it; the reader recomputes it from the signed index and
// requires the offsets the index records and the file's size to match exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "format/index.h"

namespace bundle::format {

struct Span {
    std::uint64_t header = 0;  // offset of the first header block
    std::uint64_t data = 0;    // offset of the data
    std::uint64_t size = 0;    // data bytes
    std::uint64_t end() const { return data + padded(size); }
};

struct Layout {
    Span index;
    Span signature;
    std::vector<Span> members;
    std::uint64_t end_of_archive = 0;  // offset of the two zero blocks
    std::uint64_t total_size = 0;
};

TarEntry tar_entry(const Member& member, std::int64_t mtime);
TarEntry index_entry(std::uint64_t size, std::int64_t mtime);
TarEntry signature_entry(std::uint64_t size, std::int64_t mtime);

// Computes the layout of `index` for an index of `index_size` bytes and a signature of
// `signature_size` bytes. Member offsets in `index` are ignored.
Layout compute_layout(const Index& index, std::uint64_t index_size, std::uint64_t signature_size);

// Sets every member's offset from compute_layout.
void assign_offsets(Index& index, const Layout& layout);

}  // namespace bundle::format
