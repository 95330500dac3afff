#include "sign/x25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <memory>

#include "sign/base64.h"

namespace bundle::sign {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

Result<std::string> raw_public_key(EVP_PKEY* key) {
    std::array<unsigned char, 32> raw{};
    std::size_t length = raw.size();
    if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size())
        return Error{Code::internal, "openssl", "cannot read an X25519 public key"};
    return base64_encode(raw.data(), raw.size());
}

}  // namespace

Result<WireGuardKeys> generate_wireguard_keys() {
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
    if (!key) return Error{Code::internal, "openssl", "X25519 key generation failed"};
    std::array<unsigned char, 32> raw{};
    std::size_t length = raw.size();
    if (EVP_PKEY_get_raw_private_key(key.get(), raw.data(), &length) != 1 || length != raw.size())
        return Error{Code::internal, "openssl", "cannot read the new X25519 private key"};
    WireGuardKeys keys;
    keys.private_key = base64_encode(raw.data(), raw.size());
    OPENSSL_cleanse(raw.data(), raw.size());
    auto public_key = raw_public_key(key.get());
    if (!public_key) return std::move(public_key).error();
    keys.public_key = std::move(*public_key);
    return keys;
}

Result<std::string> wireguard_public_key(std::string_view private_key, const std::string& where) {
    auto raw = base64_decode_exact(private_key, 32);
    if (!raw) return Error{Code::invalid_input, where, "not a WireGuard key (the base64 of 32 bytes)"};
    PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr,
                                             reinterpret_cast<const unsigned char*>(raw->data()), raw->size()));
    OPENSSL_cleanse(raw->data(), raw->size());
    if (!key) return Error{Code::invalid_input, where, "not a usable X25519 private key"};
    return raw_public_key(key.get());
}

bool is_wireguard_key(std::string_view text) {
    auto raw = base64_decode_exact(text, 32);
    if (!raw) return false;
    OPENSSL_cleanse(raw->data(), raw->size());
    return true;
}

}  // namespace bundle::sign
