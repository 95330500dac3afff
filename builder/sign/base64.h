// Standard base64 (RFC 4648, with padding) for keys and signatures. Decoding is strict: only the
// one canonical text of some byte string is accepted (no whitespace, no stray padding bits), so
// that two different texts never stand for the same key or signature.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bundle::sign {

std::string base64_encode(const unsigned char* data, std::size_t size);
inline std::string base64_encode(std::string_view bytes) {
    return base64_encode(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

// The bytes of `text` if it is the canonical base64 of exactly `size` bytes; nullopt otherwise.
std::optional<std::string> base64_decode_exact(std::string_view text, std::size_t size);

}  // namespace bundle::sign
