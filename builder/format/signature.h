// The second member of a bundle, `index.json.sig`: one line of text,
//
//   bundle-signature-v1 ed25519 key=<key id, 16 hex digits> sig=<base64 of the 64-byte signature>
//
// The Ed25519 signature covers the bytes of `index.json` exactly. The key id is not trusted for
// anything; it only lets the verifier say "signed by another key" instead of "invalid".
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "sign/ed25519.h"

namespace bundle::format {

std::string encode_signature(const sign::PublicKey& key, const sign::Signature& signature);

// Checks `text` as the signature of `index_bytes` by `key`. Every failure is Code::signature,
// with a message that tells apart a malformed signature, another signer and a mismatch.
Status check_signature(std::string_view index_bytes, std::string_view text,
                       const sign::PublicKey& key);

}  // namespace bundle::format
