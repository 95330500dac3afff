// WireGuard key pairs. WireGuard's keys are X25519 keys written as the base64 of their 32 raw
// bytes (what `wg genkey` and `wg pubkey` print); they are made here through OpenSSL so that no
// WireGuard tool is needed on the build machine.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace bundle::sign {

struct WireGuardKeys {
    std::string private_key;  // base64 of 32 bytes: a secret
    std::string public_key;   // base64 of 32 bytes
};

Result<WireGuardKeys> generate_wireguard_keys();

// The public key of a base64 private key, as `wg pubkey` computes it. `where` names the key's
// file in errors; the key itself never appears in one.
Result<std::string> wireguard_public_key(std::string_view private_key, const std::string& where);

// True for the base64 of exactly 32 bytes in its canonical form.
bool is_wireguard_key(std::string_view text);

}  // namespace bundle::sign
