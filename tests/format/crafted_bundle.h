// Bundles the writer would refuse to emit, for the security tests.
//
// craft_bundle() is a second, test-only writer: it takes members straight from memory, in the
// order given, and lays them out with the library's own compute_layout/encode_header, so the
// result is a correctly signed, correctly laid out bundle whose index says whatever the test
// wants ("../x", a duplicate, mode 4755, or, through edit_index, "kind":"symlink"). What the
// reader does with it then depends only on what the index says, not on a layout mistake here.
//
// The byte editors below change an existing bundle in place while keeping it a well-formed tar
// (the ustar checksum is recomputed), so that only the semantic change remains.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "format/index.h"
#include "format/tar_header.h"
#include "sign/ed25519.h"

namespace bundle::test {

inline constexpr std::int64_t kCreated = 1700000000;

struct CraftedMember {
    std::string path;
    format::Kind kind = format::Kind::file;
    std::uint32_t mode = 0644;
    std::string content;  // the data; its length is the size the index records
};

struct CraftOptions {
    std::int64_t created = kCreated;
    std::uint64_t chunk_size = format::kMinChunkSize;
    // Rewrites the serialized index before it is measured and signed.
    std::function<std::string(std::string)> edit_index;
};

// The bytes of a signed bundle holding `members` exactly as given. Throws if the key cannot sign.
std::string craft_bundle(const std::vector<CraftedMember>& members, const sign::PrivateKey& key,
                         const CraftOptions& options = {});

// Replaces the one occurrence of `from` in `text`; throws when there is none.
std::string replace_once(std::string text, std::string_view from, std::string_view to);

// XORs the byte at `offset` with `mask`.
void flip_byte(std::string& bytes, std::uint64_t offset, unsigned char mask = 0x01);

// Rewrites the typeflag and linkname of the ustar header block at `header`, with a valid checksum.
void rewrite_type(std::string& bytes, std::uint64_t header, char typeflag, std::string_view linkname);

// Rewrites the size field of the ustar header block at `header`, with a valid checksum.
void rewrite_size(std::string& bytes, std::uint64_t header, std::uint64_t size);

// Recomputes the checksum of the ustar header block at `header`.
void fix_checksum(std::string& bytes, std::uint64_t header);

// A deterministic pseudo-random string of `size` bytes.
std::string noise(std::size_t size, unsigned seed);

}  // namespace bundle::test
