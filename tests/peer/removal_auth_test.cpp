#include "peer/removal_auth.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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
    auto request = peer::sign_removal(*key, "node-1", "10.6.0.1", node, now);
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

TEST_CASE("the canonical string names method, path, receiver, node, timestamp and nonce",
          "[peer][auth]") {
    RemovalRequest r{"node-3", "node-1", "10.6.0.1", 1764222001, "00112233445566778899aabbccddeeff",
                     ""};
    CHECK(peer::canonical_removal(r) ==
          "bundle-peer-v2\nPOST\n/v1/members/remove\nnode-1\n10.6.0.1\nnode-3\n1764222001\n"
          "00112233445566778899aabbccddeeff\n");
}

TEST_CASE("a signed request verifies; any changed field does not", "[peer][auth][security]") {
    auto key = *peer::removal_key("token");
    RemovalRequest good = signed_request("token", "node-2", 1000);
    CHECK(good.nonce.size() == 32);
    CHECK(good.mac.size() == 64);
    CHECK(peer::mac_matches(key, good));

    RemovalRequest other_node = good;
    other_node.node = "node-3";
    RemovalRequest other_receiver = good;
    other_receiver.receiver = "node-3";
    RemovalRequest other_address = good;
    other_address.receiver_address = "10.6.0.3";
    RemovalRequest other_time = good;
    other_time.timestamp += 1;
    RemovalRequest other_nonce = good;
    other_nonce.nonce[0] = other_nonce.nonce[0] == '0' ? '1' : '0';
    RemovalRequest other_mac = good;
    other_mac.mac[63] = other_mac.mac[63] == '0' ? '1' : '0';
    CHECK_FALSE(peer::mac_matches(key, other_node));
    CHECK_FALSE(peer::mac_matches(key, other_receiver));
    CHECK_FALSE(peer::mac_matches(key, other_address));
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

    CHECK(parsed->receiver == "node-1");
    CHECK(parsed->receiver_address == "10.6.0.1");

    std::string nonce(32, 'a'), mac(64, 'b');
    auto body = [&](const std::string& node, const std::string& n, const std::string& m) {
        return R"({"node":")" + node +
               R"(","receiver":"node-1","receiver_address":"10.6.0.1","timestamp":1,"nonce":")" +
               n + R"(","mac":")" + m + R"("})";
    };
    CHECK(peer::parse_removal(body("node-1", nonce, mac)));
    CHECK_FALSE(peer::parse_removal(body("../node", nonce, mac)));
    CHECK_FALSE(peer::parse_removal(body("Node-1", nonce, mac)));
    CHECK_FALSE(peer::parse_removal(body("node-1", nonce.substr(1), mac)));
    CHECK_FALSE(peer::parse_removal(body("node-1", nonce, mac + "0")));
    CHECK_FALSE(peer::parse_removal(body("node-1", std::string(32, 'G'), mac)));
    CHECK_FALSE(peer::parse_removal("not json"));
}

// Issue 12, point 13: the exact JSON type and range of each field, before anything uses it.
// Before, {"timestamp": 1.5} became 1 and {"timestamp": 1e300} reached an undefined
// double-to-int64 conversion (nlohmann's get<int64_t> is a static_cast), both before the MAC.
TEST_CASE("a removal request's timestamp must be a JSON integer in range", "[peer][auth][security]") {
    auto body = [](const std::string& timestamp) {
        return R"({"node":"node-2","receiver":"node-1","receiver_address":"10.6.0.1","timestamp":)" +
               timestamp + R"(,"nonce":")" + std::string(32, 'a') + R"(","mac":")" +
               std::string(64, 'b') + R"("})";
    };
    for (const char* accepted : {"0", "1764222001", "253402300799"}) {
        INFO(accepted);
        auto parsed = peer::parse_removal(body(accepted));
        REQUIRE(parsed);
        CHECK(std::to_string(parsed->timestamp) == accepted);
    }
    for (const char* refused :
         {"1764222001.0", "1764222001.5", "1.764222001e9", "1e300", "-1e300", "-1",
          "-9223372036854775808", "253402300800", "9223372036854775807", "18446744073709551615",
          "18446744073709551616", "\"1764222001\"", "true", "null", "[1]", "{}"}) {
        INFO(refused);
        auto parsed = peer::parse_removal(body(refused));
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == Code::invalid_input);
        CHECK_THAT(parsed.error().message, Catch::Contains("\"timestamp\""));
    }
}

TEST_CASE("a removal request has exactly its six members, each once", "[peer][auth][security]") {
    std::string good =
        R"({"node":"node-2","receiver":"node-1","receiver_address":"10.6.0.1","timestamp":1,)"
        R"("nonce":")" + std::string(32, 'a') + R"(","mac":")" + std::string(64, 'b') + R"("})";
    REQUIRE(peer::parse_removal(good));
    for (const char* field : {"node", "receiver", "receiver_address", "timestamp", "nonce", "mac"}) {
        nlohmann::json json = nlohmann::json::parse(good);
        json.erase(field);
        auto parsed = peer::parse_removal(json.dump());
        INFO(field);
        REQUIRE_FALSE(parsed);
        CHECK_THAT(parsed.error().message, Catch::Contains(std::string("no \"") + field + "\""));
    }
    std::string extra = good;
    extra.insert(1, R"("force":true,)");
    CHECK_THAT(peer::parse_removal(extra).error().message, Catch::Contains("\"force\""));
    std::string odd = good;
    odd.insert(1, "\"\\u0000x\":1,");
    auto refused = peer::parse_removal(odd);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("a member that is not expected"));
    std::string twice = good;
    twice.insert(1, R"("node":"node-3",)");
    CHECK_THAT(peer::parse_removal(twice).error().message, Catch::Contains("twice"));
    for (const char* not_object : {"[]", "1", "\"x\"", "null"})
        CHECK_THAT(peer::parse_removal(not_object).error().message,
                   Catch::Contains("not a JSON object"));
    std::string bad_address = good;
    bad_address.replace(bad_address.find("10.6.0.1"), 8, "10.6.0.256");
    CHECK_THAT(peer::parse_removal(bad_address).error().message, Catch::Contains("IPv4"));
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
