#include "sign/base64.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace bundle::sign {

std::string base64_encode(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> base64_decode_exact(std::string_view text, std::size_t size) {
    if (text.size() != 4 * ((size + 2) / 3)) return std::nullopt;
    // EVP_DecodeBlock counts padding as zero bytes: 32 bytes decode to 33.
    std::string raw(text.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                            reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != raw.size()) {
        OPENSSL_cleanse(raw.data(), raw.size());
        return std::nullopt;
    }
    raw.resize(size);
    // Ignored padding bits would let several texts decode to the same bytes.
    if (base64_encode(raw) != text) {
        OPENSSL_cleanse(raw.data(), raw.size());
        return std::nullopt;
    }
    return raw;
}

}  // namespace bundle::sign
