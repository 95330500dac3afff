// The Range request header, as far as a resuming download needs it (RFC 9110, 14.1.2): one
// range of bytes, "bytes=a-b", "bytes=a-" or "bytes=-n" (the last n bytes).
//
// A header that is not one such range (several ranges, another unit, garbage) is ignored and the
// whole file is sent, as the RFC allows; curl and wget send nothing else. A well-formed range
// that starts at or beyond the end of the file, or a suffix of zero bytes, is unsatisfiable:
// the answer is 416 with "Content-Range: bytes */<size>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bundle::peer {

struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t length = 0;  // at least 1
};

enum class RangeKind { whole, partial, unsatisfiable };

struct RangeAnswer {
    RangeKind kind = RangeKind::whole;
    ByteRange range;  // for partial
};

RangeAnswer resolve_range(const std::optional<std::string>& header, std::uint64_t size);

// "bytes 0-99/1000"
std::string content_range(const ByteRange& range, std::uint64_t size);

}  // namespace bundle::peer
