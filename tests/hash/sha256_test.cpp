#include <catch2/catch.hpp>

#include "hash/sha256.h"

using namespace bundle::hash;

// Test vectors from FIPS 180-2, appendix B.
TEST_CASE("sha256 of known messages", "[hash]") {
    CHECK(to_hex(*sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(*sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 h;
    for (int i = 0; i < 1000000; i += 1000) REQUIRE(h.update(std::string(1000, 'a').data(), 1000));
    CHECK(to_hex(*h.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256_from_hex accepts only 64 lowercase hex digits", "[hash]") {
    auto d = sha256("abc");
    CHECK(sha256_from_hex(to_hex(*d)) == *d);
    CHECK_FALSE(sha256_from_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    CHECK_FALSE(sha256_from_hex("abc"));
    CHECK_FALSE(sha256_from_hex(std::string(64, 'g')));
}
