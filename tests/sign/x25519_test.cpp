#include <catch2/catch.hpp>

#include "sign/base64.h"
#include "sign/x25519.h"

using namespace bundle;

namespace {

std::string base64_of_hex(const std::string& hex) {
    std::string bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return sign::base64_encode(bytes);
}

}  // namespace

TEST_CASE("a WireGuard public key is derived as RFC 7748 section 6.1 says", "[sign][x25519]") {
    // Alice's key pair from RFC 7748, section 6.1.
    std::string alice_private = base64_of_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    std::string alice_public = base64_of_hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    auto derived = sign::wireguard_public_key(alice_private, "alice.key");
    REQUIRE(derived);
    CHECK(*derived == alice_public);
}

TEST_CASE("generated WireGuard keys are 32-byte base64 and belong together", "[sign][x25519]") {
    auto keys = sign::generate_wireguard_keys();
    REQUIRE(keys);
    CHECK(keys->private_key.size() == 44);
    CHECK(sign::is_wireguard_key(keys->private_key));
    CHECK(sign::is_wireguard_key(keys->public_key));
    CHECK(*sign::wireguard_public_key(keys->private_key, "k") == keys->public_key);
    CHECK(sign::generate_wireguard_keys()->private_key != keys->private_key);
}

TEST_CASE("a malformed WireGuard key is refused without echoing it", "[sign][x25519]") {
    for (std::string bad : {"", "short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB="}) {
        auto key = sign::wireguard_public_key(bad, "node-1.key");
        REQUIRE_FALSE(key);
        CHECK(key.error().where == "node-1.key");
        if (!bad.empty()) CHECK(key.error().message.find(bad) == std::string::npos);
    }
}
