#include "hash/sha256.h"

#include <openssl/evp.h>

namespace bundle::hash {
namespace {

const EVP_MD* sha256_algorithm() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

Error openssl_failure(const char* what) {
    return Error{Code::internal, "openssl", std::string(what) + " failed for SHA-256"};
}

}  // namespace

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {}

Status Sha256::update(const void* data, std::size_t size) {
    if (!ctx_ || sha256_algorithm() == nullptr) return openssl_failure("context allocation");
    if (!started_) {
        if (EVP_DigestInit_ex(ctx_.get(), sha256_algorithm(), nullptr) != 1)
            return openssl_failure("EVP_DigestInit_ex");
        started_ = true;
    }
    if (size > 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1)
        return openssl_failure("EVP_DigestUpdate");
    return {};
}

Result<Sha256Digest> Sha256::finish() {
    BUNDLE_TRY(update(nullptr, 0));  // starts the context for an empty message
    Sha256Digest digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length) != 1 || length != digest.size())
        return openssl_failure("EVP_DigestFinal_ex");
    started_ = false;
    return digest;
}

Result<Sha256Digest> sha256(const void* data, std::size_t size) {
    Sha256 hasher;
    BUNDLE_TRY(hasher.update(data, size));
    return hasher.finish();
}

std::string to_hex(const Sha256Digest& digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(digest.size() * 2, '0');
    for (std::size_t i = 0; i < digest.size(); ++i) {
        out[2 * i] = kDigits[digest[i] >> 4];
        out[2 * i + 1] = kDigits[digest[i] & 0xf];
    }
    return out;
}

std::optional<Sha256Digest> sha256_from_hex(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    Sha256Digest digest{};
    for (std::size_t i = 0; i < digest.size(); ++i) {
        int hi = nibble(hex[2 * i]);
        int lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        digest[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return digest;
}

}  // namespace bundle::hash
