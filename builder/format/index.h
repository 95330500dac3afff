// The bundle index: the first member of every bundle, `index.json`, and the only thing the
// signature covers. It lists every other member in byte order of its path, parents before
// children, and for each: its kind, mode, size, the offset of its data in the bundle file, and
// the SHA-256 of each `chunk_size` slice of its data (so that one large member is verified on
// every core). A reader trusts nothing else in the file: tar headers, padding and the end of the
// archive are recomputed from the index and compared (see tar_header.h and layout.h).
//
//   {"format":1,"name":"demo","version":3,"arch":"amd64","created":1700000000,
//    "chunk_size":1048576,"members":[
//   {"path":"data","kind":"directory","mode":"0755","size":0,"offset":2560,"compression":"none","chunks":[]},
//   {"path":"data/big.bin","kind":"file","mode":"0644","size":5,"offset":3072,"compression":"none","chunks":["2cf2..."]}
//   ]}
//
// One member per line, so that a person can read it with `tar -xOf x.bundle index.json`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "format/tar_header.h"
#include "hash/sha256.h"

namespace bundle::format {

inline constexpr int kFormatVersion = 1;
inline constexpr std::uint64_t kDefaultChunkSize = 1 << 20;
inline constexpr std::uint64_t kMinChunkSize = 64 << 10;
inline constexpr std::uint64_t kMaxChunkSize = 64 << 20;
inline constexpr std::uint64_t kMaxIndexBytes = 64 << 20;
inline constexpr std::uint64_t kMaxMemberSize = 1ULL << 48;
inline constexpr std::int64_t kMaxCreated = 077777777777;  // what a ustar mtime field holds

struct Member {
    std::string path;
    Kind kind = Kind::file;
    std::uint32_t mode = 0644;  // permission bits only: at most 0777
    std::uint64_t size = 0;     // at most kMaxMemberSize
    std::uint64_t offset = 0;  // of the data, from the start of the bundle file
    std::vector<hash::Sha256Digest> chunks;
};

struct Index {
    int format = kFormatVersion;
    std::string name;
    std::uint64_t version = 0;
    std::string arch;
    std::int64_t created = 0;  // seconds since the epoch; also every member's tar mtime
    std::uint64_t chunk_size = kDefaultChunkSize;
    std::vector<Member> members;
};

inline std::uint64_t chunk_count(std::uint64_t size, std::uint64_t chunk_size) {
    return (size + chunk_size - 1) / chunk_size;
}

// The bytes of all members' data together.
std::uint64_t payload_size(const Index& index);

std::string serialize_index(const Index& index);

// The rules for the index's own fields, shared by the writer (which refuses to write what a reader
// would refuse) and the parser: name [a-z0-9][a-z0-9._-]* up to 63 characters, arch [a-z0-9_]
// up to 16, creation time within [0, kMaxCreated], chunk size a power of two within
// [kMinChunkSize, kMaxChunkSize].
Status check_index_fields(const Index& index);

// Parses and checks an index: known keys only, right types, safe sorted unique paths whose
// parents are directories listed before them, chunk counts that match the sizes. Errors are
// Code::structure (or Code::unsafe_path for a path) and name the member.
Result<Index> parse_index(std::string_view json);

const char* kind_name(Kind kind);
std::string mode_string(std::uint32_t mode);  // "0644"

}  // namespace bundle::format
