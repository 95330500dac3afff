#include "peer/removal_auth.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>

#include "peer/nonce_store.h"
#include "support/temp_dir.h"

using namespace bundle;
using peer::RemovalRequest;

namespace {

std::string hmac(const std::string& key, const std::string& data) {
    unsigned char out[32];
    std::size_t length = 0;
    REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                      reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                      sizeof out, &length) != nullptr);
    return std::string(reinterpret_cast<const char*>(out), length);
}

RemovalRequest signed_request(const std::string& token, const std::string& node, std::int64_t now) {
    auto key = peer::removal_key(token);
    REQUIRE(key);
    auto request = peer::sign_removal(*key, node, now);
    REQUIRE(request);
    return *request;
}

}  // namespace

TEST_CASE("the removal key is HKDF-SHA256 of the token with the documented salt and info",
          "[peer][auth]") {
    // RFC 5869 by hand from HMAC, one block of output: PRK = HMAC(salt, IKM), T(1) = HMAC(PRK, info
    // | 0x01).
    std::string token = "K10abc::server:0123456789";
    std::string prk = hmac("bundle/peer/v1", token);
    std::string expected = hmac(prk, std::string("members/remove") + '\x01');
    auto key = peer::removal_key(token);
    REQUIRE(key);
    CHECK(*key == expected);
    CHECK(*peer::removal_key("another token") != *key);
    CHECK_FALSE(peer::removal_key(""));
}

TEST_CASE("the canonical string names method, path, node, timestamp and nonce", "[peer][auth]") {
    RemovalRequest r{"node-1", 1764222001, "00112233445566778899aabbccddeeff", ""};
    CHECK(peer::canonical_removal(r) ==
          "bundle-peer-v1\nPOST\n/v1/members/"
          "remove\nnode-1\n1764222001\n00112233445566778899aabbccddeeff\n");
}

TEST_CASE("a signed request verifies; any changed field does not", "[peer][auth][security]") {
    auto key = *peer::removal_key("token");
    RemovalRequest good = signed_request("token", "node-2", 1000);
    CHECK(good.nonce.size() == 32);
    CHECK(good.mac.size() == 64);
    CHECK(peer::mac_matches(key, good));

    RemovalRequest other_node = good;
    other_node.node = "node-3";
    RemovalRequest other_time = good;
    other_time.timestamp += 1;
    RemovalRequest other_nonce = good;
    other_nonce.nonce[0] = other_nonce.nonce[0] == '0' ? '1' : '0';
    RemovalRequest other_mac = good;
    other_mac.mac[63] = other_mac.mac[63] == '0' ? '1' : '0';
    CHECK_FALSE(peer::mac_matches(key, other_node));
    CHECK_FALSE(peer::mac_matches(key, other_time));
    CHECK_FALSE(peer::mac_matches(key, other_nonce));
    CHECK_FALSE(peer::mac_matches(key, other_mac));
    CHECK_FALSE(peer::mac_matches(*peer::removal_key("another token"), good));
    CHECK(signed_request("token", "node-2", 1000).nonce != good.nonce);
}

TEST_CASE("removal requests parse from JSON and malformed ones are refused", "[peer][auth]") {
    RemovalRequest r = signed_request("token", "node-2", 1000);
    auto parsed = peer::parse_removal(peer::removal_to_json(r));
    REQUIRE(parsed);
    CHECK(parsed->node == r.node);
    CHECK(parsed->timestamp == r.timestamp);
    CHECK(parsed->nonce == r.nonce);
    CHECK(parsed->mac == r.mac);

    std::string nonce(32, 'a'), mac(64, 'b');
    auto body = [&](const std::string& node, const std::string& n, const std::string& m) {
        return R"({"node":")" + node + R"(","timestamp":1,"nonce":")" + n + R"(","mac":")" + m +
               R"("})";
    };
    CHECK(peer::parse_removal(body("node-1", nonce, mac)));
    CHECK_FALSE(peer::parse_removal(body("../node", nonce, mac)));
    CHECK_FALSE(peer::parse_removal(body("Node-1", nonce, mac)));
    CHECK_FALSE(peer::parse_removal(body("node-1", nonce.substr(1), mac)));
    CHECK_FALSE(peer::parse_removal(body("node-1", nonce, mac + "0")));
    CHECK_FALSE(peer::parse_removal(body("node-1", std::string(32, 'G'), mac)));
    CHECK_FALSE(peer::parse_removal(R"({"node":"node-1","timestamp":"1","nonce":"a","mac":"b"})"));
    CHECK_FALSE(peer::parse_removal("not json"));
}

TEST_CASE("a nonce is accepted once, also after a restart", "[peer][auth][security]") {
    test::TempDir dir;
    std::string path = (dir / "peer-nonces").string();
    {
        peer::NonceStore store(path, 120);
        auto first = store.claim("aa", 1000, 1000);
        REQUIRE(first);
        CHECK(*first);
        auto again = store.claim("aa", 1000, 1001);
        REQUIRE(again);
        CHECK_FALSE(*again);
    }
    peer::NonceStore restarted(path, 120);
    auto replay = restarted.claim("aa", 1000, 1002);
    REQUIRE(replay);
    CHECK_FALSE(*replay);
    auto other = restarted.claim("bb", 1002, 1002);
    REQUIRE(other);
    CHECK(*other);
}

TEST_CASE("nonces leave the store once their timestamps left the window", "[peer][auth]") {
    test::TempDir dir;
    std::string path = (dir / "peer-nonces").string();
    peer::NonceStore store(path, 120);
    REQUIRE(*store.claim("old", 1000, 1000));
    REQUIRE(*store.claim("new", 1300, 1300));
    CHECK(test::read_file(dir / "peer-nonces") == "1300 new\n");
}

TEST_CASE("a nonce store that cannot be written refuses the request", "[peer][auth]") {
    test::TempDir dir;
    peer::NonceStore store((dir / "missing" / "peer-nonces").string(), 120);
    CHECK_FALSE(store.claim("aa", 1000, 1000));
}
