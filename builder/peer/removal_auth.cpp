#include "peer/removal_auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <nlohmann/json.hpp>

namespace bundle::peer {
namespace {

constexpr char kSalt[] = "bundle/peer/v1";
constexpr char kInfo[] = "members/remove";

struct KdfFree {
    void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
    void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};
struct MacFree {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxFree {
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

Error crypto_error(const char* what) {
    return Error{Code::internal, "OpenSSL", std::string(what) + " failed"};
}

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        text += kDigits[data[i] >> 4];
        text += kDigits[data[i] & 0x0f];
    }
    return text;
}

bool is_hex(const std::string& text, std::size_t size) {
    if (text.size() != size)
        return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

bool is_node_name(const std::string& name) {
    if (name.empty() || name.size() > 63)
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

Result<std::string> hmac_sha256(const std::string& key, const std::string& message) {
    std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac)
        return crypto_error("EVP_MAC_fetch(HMAC)");
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
    if (!ctx)
        return crypto_error("EVP_MAC_CTX_new");
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    const auto* key_bytes = reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1)
        return crypto_error("EVP_MAC_init");
    const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
    if (EVP_MAC_update(ctx.get(), bytes, message.size()) != 1)
        return crypto_error("EVP_MAC_update");
    std::array<unsigned char, 32> out{};
    std::size_t length = 0;
    if (EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1 || length != out.size())
        return crypto_error("EVP_MAC_final");
    return hex(out.data(), out.size());
}

}  // namespace

Result<std::string> removal_key(const std::string& k3s_token) {
    if (k3s_token.empty())
        return Error{Code::invalid_input, "node.yaml", "the K3s token is empty"};
    std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    if (!kdf)
        return crypto_error("EVP_KDF_fetch(HKDF)");
    std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
    if (!ctx)
        return crypto_error("EVP_KDF_CTX_new");
    // OSSL_PARAM takes non-const pointers; the buffers are copies that OpenSSL only reads.
    std::string token = k3s_token;
    std::string salt = kSalt;
    std::string info = kInfo;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, token.data(), token.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end(),
    };
    std::array<unsigned char, 32> key{};
    int ok = EVP_KDF_derive(ctx.get(), key.data(), key.size(), params);
    OPENSSL_cleanse(token.data(), token.size());
    if (ok != 1)
        return crypto_error("EVP_KDF_derive(HKDF)");
    std::string result(reinterpret_cast<const char*>(key.data()), key.size());
    OPENSSL_cleanse(key.data(), key.size());
    return result;
}

std::string canonical_removal(const RemovalRequest& request) {
    return "bundle-peer-v1\nPOST\n" + std::string(kRemovePath) + "\n" + request.node + "\n" +
           std::to_string(request.timestamp) + "\n" + request.nonce + "\n";
}

Result<RemovalRequest> sign_removal(const std::string& key, const std::string& node,
                                    std::int64_t now) {
    std::array<unsigned char, 16> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        return crypto_error("RAND_bytes");
    RemovalRequest request;
    request.node = node;
    request.timestamp = now;
    request.nonce = hex(random.data(), random.size());
    auto mac = hmac_sha256(key, canonical_removal(request));
    if (!mac)
        return std::move(mac).error();
    request.mac = std::move(*mac);
    return request;
}

bool mac_matches(const std::string& key, const RemovalRequest& request) {
    auto expected = hmac_sha256(key, canonical_removal(request));
    if (!expected || request.mac.size() != expected->size())
        return false;
    return CRYPTO_memcmp(expected->data(), request.mac.data(), expected->size()) == 0;
}

std::string removal_to_json(const RemovalRequest& request) {
    nlohmann::json json = {{"node", request.node},
                           {"timestamp", request.timestamp},
                           {"nonce", request.nonce},
                           {"mac", request.mac}};
    return json.dump();
}

Result<RemovalRequest> parse_removal(const std::string& body) {
    RemovalRequest request;
    try {
        nlohmann::json json = nlohmann::json::parse(body);
        request.node = json.at("node").get<std::string>();
        request.timestamp = json.at("timestamp").get<std::int64_t>();
        request.nonce = json.at("nonce").get<std::string>();
        request.mac = json.at("mac").get<std::string>();
    } catch (const nlohmann::json::exception&) {
        // The parser's message may quote the body; say only what is wrong with its shape.
        return Error{Code::invalid_input, kRemovePath,
                     "the body is not {node, timestamp, nonce, mac}"};
    }
    if (!is_node_name(request.node))
        return Error{Code::invalid_input, kRemovePath, "malformed node name"};
    if (!is_hex(request.nonce, 32))
        return Error{Code::invalid_input, kRemovePath, "the nonce is not 32 hex digits"};
    if (!is_hex(request.mac, 64))
        return Error{Code::invalid_input, kRemovePath, "the MAC is not 64 hex digits"};
    return request;
}

}  // namespace bundle::peer
