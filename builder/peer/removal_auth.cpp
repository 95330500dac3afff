#include "peer/removal_auth.h"

#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

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

// Whether `text` is `min` to `max` characters long, each one that `allowed` accepts: the shape of
// every field a removal request carries, checked before anything reads it.
bool made_of(const std::string& text, std::size_t min, std::size_t max, bool (*allowed)(char)) {
    return text.size() >= min && text.size() <= max && std::all_of(text.begin(), text.end(), allowed);
}

bool is_hex(const std::string& text, std::size_t size) {
    return made_of(text, size, size, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_node_name(const std::string& name) {
    return made_of(name, 1, 63, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// Dotted IPv4 as written in node.yaml: digits and dots only (no spaces, no leading "0x"), and an
// address inet_pton accepts.
bool is_ipv4(const std::string& text) {
    if (!made_of(text, 1, 15, [](char c) { return (c >= '0' && c <= '9') || c == '.'; }))
        return false;
    in_addr address{};
    return ::inet_pton(AF_INET, text.c_str(), &address) == 1;
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
    return "bundle-peer-v2\nPOST\n" + std::string(kRemovePath) + "\n" + request.receiver + "\n" +
           request.receiver_address + "\n" + request.node + "\n" +
           std::to_string(request.timestamp) + "\n" + request.nonce + "\n";
}

Result<RemovalRequest> sign_removal(const std::string& key, const std::string& receiver,
                                    const std::string& receiver_address, const std::string& node,
                                    std::int64_t now) {
    std::array<unsigned char, 16> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        return crypto_error("RAND_bytes");
    RemovalRequest request;
    request.node = node;
    request.receiver = receiver;
    request.receiver_address = receiver_address;
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
                           {"receiver", request.receiver},
                           {"receiver_address", request.receiver_address},
                           {"timestamp", request.timestamp},
                           {"nonce", request.nonce},
                           {"mac", request.mac}};
    return json.dump();
}

namespace {

Error malformed(const std::string& what) {
    return Error{Code::invalid_input, kRemovePath, what};
}

// The member `name` of `json` as a string; an error naming the member when it is anything else.
Result<std::string> string_member(const nlohmann::json& json, const char* name) {
    const nlohmann::json& value = json.at(name);
    if (!value.is_string())
        return malformed(std::string("\"") + name + "\" is not a JSON string");
    return value.get<std::string>();
}

// The timestamp, only from a JSON integer in [0, kMaxTimestamp]. nlohmann keeps an integer that
// fits 64 bits as signed or unsigned and anything else as a double: a double is refused here and
// never converted (a conversion of a double outside int64's range is undefined behaviour).
Result<std::int64_t> timestamp_member(const nlohmann::json& json) {
    const nlohmann::json& value = json.at("timestamp");
    if (value.is_number_unsigned()) {
        auto number = value.get<std::uint64_t>();
        if (number > static_cast<std::uint64_t>(kMaxTimestamp))
            return malformed("\"timestamp\" is beyond the year 9999");
        return static_cast<std::int64_t>(number);
    }
    if (value.is_number_integer()) {
        auto number = value.get<std::int64_t>();
        if (number < 0)
            return malformed("\"timestamp\" is negative");
        if (number > kMaxTimestamp)
            return malformed("\"timestamp\" is beyond the year 9999");
        return number;
    }
    if (value.is_number_float())
        return malformed("\"timestamp\" is not a JSON integer (a fraction or an exponent)");
    return malformed("\"timestamp\" is not a JSON number");
}

// Parses `body`, refusing a member name that appears twice at the top level (nlohmann would keep
// the last one silently).
Result<nlohmann::json> parse_object(const std::string& body) {
    std::set<std::string> seen;
    bool duplicate = false;
    auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (depth == 1 && event == nlohmann::json::parse_event_t::key &&
            !seen.insert(parsed.get<std::string>()).second)
            duplicate = true;
        return true;
    };
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(body, on_event);
    } catch (const nlohmann::json::exception&) {
        // The parser's message may quote the body; say only what is wrong with it.
        return malformed("the body is not JSON");
    }
    if (!json.is_object())
        return malformed("the body is not a JSON object");
    if (duplicate)
        return malformed("the body names a member twice");
    return json;
}

bool is_field_name(const std::string& name) {
    return made_of(name, 1, 32, [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

}  // namespace

Result<RemovalRequest> parse_removal(const std::string& body) {
    static const char* const kFields[] = {"node",      "receiver", "receiver_address",
                                          "timestamp", "nonce",    "mac"};
    auto json = parse_object(body);
    if (!json)
        return std::move(json).error();
    for (const char* field : kFields)
        if (!json->contains(field))
            return malformed(std::string("the body has no \"") + field + "\"");
    for (const auto& item : json->items()) {
        bool known = std::any_of(std::begin(kFields), std::end(kFields),
                                 [&](const char* field) { return item.key() == field; });
        if (!known)  // a name is quoted only when it is plainly one; it comes from anyone
            return malformed(is_field_name(item.key())
                                 ? "the body has a member \"" + item.key() +
                                       "\" that is not expected"
                                 : std::string("the body has a member that is not expected"));
    }
    auto node = string_member(*json, "node");
    if (!node)
        return std::move(node).error();
    auto receiver = string_member(*json, "receiver");
    if (!receiver)
        return std::move(receiver).error();
    auto receiver_address = string_member(*json, "receiver_address");
    if (!receiver_address)
        return std::move(receiver_address).error();
    auto timestamp = timestamp_member(*json);
    if (!timestamp)
        return std::move(timestamp).error();
    auto nonce = string_member(*json, "nonce");
    if (!nonce)
        return std::move(nonce).error();
    auto mac = string_member(*json, "mac");
    if (!mac)
        return std::move(mac).error();
    if (!is_node_name(*node))
        return malformed("\"node\" is not a node name ([a-z0-9-], 1 to 63 characters)");
    if (!is_node_name(*receiver))
        return malformed("\"receiver\" is not a node name ([a-z0-9-], 1 to 63 characters)");
    if (!is_ipv4(*receiver_address))
        return malformed("\"receiver_address\" is not a dotted IPv4 address");
    if (!is_hex(*nonce, 32))
        return malformed("\"nonce\" is not 32 lowercase hex digits");
    if (!is_hex(*mac, 64))
        return malformed("\"mac\" is not 64 lowercase hex digits");
    RemovalRequest request;
    request.node = std::move(*node);
    request.receiver = std::move(*receiver);
    request.receiver_address = std::move(*receiver_address);
    request.timestamp = *timestamp;
    request.nonce = std::move(*nonce);
    request.mac = std::move(*mac);
    return request;
}

}  // namespace bundle::peer
