// SHA-256 through OpenSSL's EVP interface, which uses the CPU's SHA extensions where present.
// The algorithm is fetched once per process (an implicit fetch per call would take a lock in
// OpenSSL 3 and serialise the workers), and every OpenSSL return value is checked.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

struct evp_md_ctx_st;

namespace bundle::hash {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
    Sha256();
    Status update(const void* data, std::size_t size);
    // Returns the digest and resets the object for another message.
    Result<Sha256Digest> finish();

private:
    struct Free {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, Free> ctx_;
    bool started_ = false;
};

Result<Sha256Digest> sha256(const void* data, std::size_t size);
inline Result<Sha256Digest> sha256(std::string_view bytes) {
    return sha256(bytes.data(), bytes.size());
}

std::string to_hex(const Sha256Digest& digest);
// Parses 64 lowercase hex digits; anything else gives nullopt.
std::optional<Sha256Digest> sha256_from_hex(std::string_view hex);

}  // namespace bundle::hash
