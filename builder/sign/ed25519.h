// Ed25519 keys for signing bundles, through OpenSSL. Private keys live in PEM (PKCS#8) files of
// mode 0600 that are never overwritten; public keys in PEM (SubjectPublicKeyInfo) files, or as
// the base64 of the 32 raw bytes (the form user-data carries). A key id (the first 16 hex digits
// of the SHA-256 of the raw public key) lets a verifier say "signed by another key" rather than
// just "invalid".
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

struct evp_pkey_st;

namespace bundle::sign {

using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

class PrivateKey {
public:
    Result<Signature> sign(std::string_view message) const;
    const PublicKey& public_key() const { return public_key_; }
    // The PKCS#8 PEM text; it is the secret itself, so callers write it only to a 0600 file.
    Result<std::string> to_pem() const;

    static Result<PrivateKey> generate();
    static Result<PrivateKey> from_pem(std::string_view pem, const std::string& where);

private:
    struct Free {
        void operator()(evp_pkey_st* key) const;
    };
    std::shared_ptr<evp_pkey_st> key_;
    PublicKey public_key_{};
};

bool verify(const PublicKey& key, std::string_view message, const Signature& signature);

std::string key_id(const PublicKey& key);
std::string public_key_pem(const PublicKey& key);
std::string public_key_base64(const PublicKey& key);
std::string signature_base64(const Signature& signature);
// The 64 bytes of an 88-character base64 text in the one canonical form signature_base64 gives;
// nullopt for anything else.
std::optional<Signature> signature_from_base64(std::string_view text);

// Key files are regular files of at most 64 KiB; anything else (a device, a FIFO, a larger
// file) is refused before it is read.
// Loads a private key file, refusing one that other users can read (as ssh does). The buffer
// that held the PEM text is cleansed before it is freed.
Result<PrivateKey> load_private_key(const std::string& path);
// Loads a public key file in PEM or raw-base64 form.
Result<PublicKey> load_public_key(const std::string& path);
Result<PublicKey> parse_public_key(std::string_view text, const std::string& where);

// Writes DIR/bundle.key (0600) and DIR/bundle.pub (0644); refuses if either exists. A missing DIR
// is created 0700 (it holds a secret); an existing one keeps its mode.
struct KeyPairPaths {
    std::string private_key;
    std::string public_key;
};
Result<KeyPairPaths> write_new_key_pair(const std::string& dir);

}  // namespace bundle::sign
