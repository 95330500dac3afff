#include "sign/ed25519.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "hash/sha256.h"
#include "sign/base64.h"
#include "sign/secret_file.h"

namespace bundle::sign {
namespace {

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, CtxFree>;
struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The bytes a memory BIO holds; nullopt if OpenSSL reports none or a negative length.
std::optional<std::string_view> bio_contents(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    if (size <= 0 || data == nullptr)
        return std::nullopt;
    return std::string_view(data, static_cast<std::size_t>(size));
}

}  // namespace

void PrivateKey::Free::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

Result<PrivateKey> PrivateKey::generate() {
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (raw == nullptr) return Error{Code::internal, "openssl", "Ed25519 key generation failed"};
    PrivateKey key;
    key.key_.reset(raw, Free{});
    std::size_t length = key.public_key_.size();
    if (EVP_PKEY_get_raw_public_key(raw, key.public_key_.data(), &length) != 1 || length != 32)
        return Error{Code::internal, "openssl", "cannot read the new public key"};
    return key;
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, const std::string& where) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return Error{Code::internal, "openssl", "BIO_new_mem_buf failed"};
    EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (raw == nullptr) return Error{Code::invalid_input, where, "not a PEM private key"};
    PrivateKey key;
    key.key_.reset(raw, Free{});
    if (EVP_PKEY_get_id(raw) != EVP_PKEY_ED25519)
        return Error{Code::invalid_input, where, "not an Ed25519 private key"};
    std::size_t length = key.public_key_.size();
    if (EVP_PKEY_get_raw_public_key(raw, key.public_key_.data(), &length) != 1 || length != 32)
        return Error{Code::invalid_input, where, "cannot derive the public key"};
    return key;
}

Result<Signature> PrivateKey::sign(std::string_view message) const {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    Signature signature{};
    std::size_t length = signature.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), signature.data(), &length,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        length != signature.size())
        return Error{Code::internal, "openssl", "Ed25519 signing failed"};
    return signature;
}

Result<std::string> PrivateKey::to_pem() const {
    BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1)
        return Error{Code::internal, "openssl", "cannot encode the private key"};
    auto pem = bio_contents(bio.get());
    if (!pem)
        return Error{Code::internal, "openssl", "cannot read the encoded private key"};
    return std::string(*pem);
}

bool verify(const PublicKey& key, std::string_view message, const Signature& signature) {
    PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!pkey || !ctx) return false;
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

std::string key_id(const PublicKey& key) {
    auto digest = hash::sha256(key.data(), key.size());
    if (!digest) return "unknown";
    return hash::to_hex(*digest).substr(0, 16);
}

std::string public_key_base64(const PublicKey& key) { return base64_encode(key.data(), key.size()); }

std::string signature_base64(const Signature& signature) {
    return base64_encode(signature.data(), signature.size());
}

std::optional<Signature> signature_from_base64(std::string_view text) {
    // Only the one canonical text of 64 bytes (base64_decode_exact): padding bits that decoders
    // ignore would let 16 texts stand for each signature, and a signed bundle be altered.
    auto raw = base64_decode_exact(text, 64);
    if (!raw) return std::nullopt;
    Signature signature{};
    std::copy(raw->begin(), raw->end(), signature.begin());
    return signature;
}

std::string public_key_pem(const PublicKey& key) {
    PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) return {};
    return std::string(bio_contents(bio.get()).value_or(std::string_view{}));
}

Result<PublicKey> parse_public_key(std::string_view text, const std::string& where) {
    PublicKey key{};
    if (text.find("-----BEGIN PUBLIC KEY-----") != std::string_view::npos) {
        BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
        PkeyPtr pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
        if (!pkey) return Error{Code::invalid_input, where, "not a PEM public key"};
        if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519)
            return Error{Code::invalid_input, where, "not an Ed25519 public key"};
        std::size_t length = key.size();
        if (EVP_PKEY_get_raw_public_key(pkey.get(), key.data(), &length) != 1 || length != 32)
            return Error{Code::invalid_input, where, "cannot read the public key"};
        return key;
    }
    // As for signatures: only the canonical base64 text of the 32 bytes.
    auto raw = base64_decode_exact(without_line_end(std::string(text)), 32);
    if (!raw)
        return Error{Code::invalid_input, where,
                     "not a public key (expected PEM or the base64 of 32 bytes)"};
    std::copy(raw->begin(), raw->end(), key.begin());
    return key;
}

Result<PrivateKey> load_private_key(const std::string& path) {
    auto text = read_key_file(path, KeyFile::private_key);
    if (!text) return std::move(text).error();
    auto key = PrivateKey::from_pem(*text, path);
    OPENSSL_cleanse(text->data(), text->size());
    return key;
}

Result<PublicKey> load_public_key(const std::string& path) {
    auto text = read_key_file(path, KeyFile::public_key);
    if (!text) return std::move(text).error();
    return parse_public_key(*text, path);
}

Result<KeyPairPaths> write_new_key_pair(const std::string& dir) {
    BUNDLE_TRY(make_private_folder(dir));
    std::error_code ec;
    KeyPairPaths paths{(std::filesystem::path(dir) / "bundle.key").string(),
                       (std::filesystem::path(dir) / "bundle.pub").string()};
    for (const auto& p : {paths.private_key, paths.public_key}) {
        if (std::filesystem::symlink_status(p, ec).type() != std::filesystem::file_type::not_found)
            return Error{Code::io, p, "already exists; not overwriting a key"};
    }
    auto key = PrivateKey::generate();
    if (!key) return std::move(key).error();
    std::string public_pem = public_key_pem(key->public_key());
    if (public_pem.empty())
        return Error{Code::internal, "openssl", "cannot encode the public key"};
    auto pem = key->to_pem();
    if (!pem) return std::move(pem).error();
    Status written = write_file_atomically(paths.private_key, *pem, 0600, Replace::forbidden);
    OPENSSL_cleanse(pem->data(), pem->size());
    BUNDLE_TRY(std::move(written));
    BUNDLE_TRY(write_file_atomically(paths.public_key, public_pem, 0644, Replace::forbidden));
    return paths;
}

}  // namespace bundle::sign
