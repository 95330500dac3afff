#include "format/signature.h"

#include <algorithm>

#include "format/member_path.h"

namespace bundle::format {
namespace {

constexpr std::string_view kPrefix = "bundle-signature-v1 ed25519 key=";
constexpr std::string_view kSigTag = " sig=";

Error signature_error(const std::string& message) {
    return Error{Code::signature, std::string(kSignatureName), message};
}

// A key id as encode_signature writes it. Anything else is refused before it is shown: the file
// is not trusted, and its bytes could be escape sequences for the terminal that prints the error.
bool is_key_id(std::string_view text) {
    return text.size() == 16 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

}  // namespace

std::string encode_signature(const sign::PublicKey& key, const sign::Signature& signature) {
    return std::string(kPrefix) + sign::key_id(key) + std::string(kSigTag) +
           sign::signature_base64(signature) + "\n";
}

Status check_signature(std::string_view index_bytes, std::string_view text,
                       const sign::PublicKey& key) {
    constexpr std::size_t kKeyIdLength = 16;
    constexpr std::size_t kLength = kPrefix.size() + kKeyIdLength + kSigTag.size() + 88 + 1;
    if (text.size() != kLength || text.substr(0, kPrefix.size()) != kPrefix ||
        text.substr(kPrefix.size() + kKeyIdLength, kSigTag.size()) != kSigTag ||
        text.back() != '\n')
        return signature_error("malformed signature (not a bundle-signature-v1 line)");
    std::string_view signer = text.substr(kPrefix.size(), kKeyIdLength);
    if (!is_key_id(signer))
        return signature_error("malformed signature (the key id is not 16 lowercase hex digits)");
    auto signature = sign::signature_from_base64(
        text.substr(kPrefix.size() + kKeyIdLength + kSigTag.size(), 88));
    if (!signature) return signature_error("malformed signature (bad base64)");
    std::string expected = sign::key_id(key);
    if (signer != expected)
        return signature_error("signed by another key (key id " + std::string(signer) +
                               ", expected " + expected + ")");
    if (!sign::verify(key, index_bytes, *signature))
        return signature_error("signature does not match the index: the index or its "
                               "signature was altered");
    return {};
}

}  // namespace bundle::format
