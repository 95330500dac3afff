// Tar headers, written by hand rather than through libarchive, and why.
//
// A bundle is a POSIX tar so that `tar -tf` lists it and an operator can unpack it by hand in an
// emergency. But a bundle is also verified byte for byte: the signed index says where every
// member's data starts, and a verifier must be able to account for every byte of the file. We
// get that by making the header bytes a pure function of what the index records (path, kind,
// mode, size, and the creation time): the writer emits exactly encode_header(), and the reader
// regenerates it from the signed index and compares. Nothing in a header is then unchecked, and
// no header parser stands between an attacker and the extractor. libarchive's writer makes no
// promise that its bytes stay the same across versions, so it cannot be that function.
//
// The encoding: a ustar header (512 bytes; owner 0:0 "root", octal fields zero-padded and
// NUL-terminated, checksum as six octal digits, NUL, space). A name that does not fit ustar's
// 100-byte name (or its 155-byte prefix + 100-byte name split at a slash), or a size of 8 GiB or
// more, is carried in a pax extended header (typeflag 'x') placed before the ustar header, as
// POSIX.1-2001 specifies; the pax records are sorted by key and each is "<len> key=value\n".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bundle::format {

inline constexpr std::uint64_t kBlock = 512;

enum class Kind { file, directory };

struct TarEntry {
    std::string_view path;  // a checked member path, without a trailing slash
    Kind kind = Kind::file;
    std::uint32_t mode = 0644;
    std::uint64_t size = 0;  // 0 for directories
    std::int64_t mtime = 0;
};

// The header bytes for `entry`: a multiple of 512, either 512 (ustar) or more (pax + ustar).
std::string encode_header(const TarEntry& entry);

// Rounds up to a whole number of 512-byte blocks.
constexpr std::uint64_t padded(std::uint64_t size) { return (size + kBlock - 1) / kBlock * kBlock; }

// Reads a NUL- or space-terminated octal field; false when it is not one.
bool parse_octal(std::string_view field, std::uint64_t& value);

}  // namespace bundle::format
