#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "sign/ed25519.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

TEST_CASE("keygen writes a 0600 private key and a loadable public key", "[sign]") {
    TempDir dir;
    auto paths = sign::write_new_key_pair((dir / "keys").string());
    REQUIRE(paths);
    struct stat st {};
    REQUIRE(::stat(paths->private_key.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto key = sign::load_private_key(paths->private_key);
    REQUIRE(key);
    auto pub = sign::load_public_key(paths->public_key);
    REQUIRE(pub);
    CHECK(*pub == key->public_key());
    auto sig = key->sign("message");
    REQUIRE(sig);
    CHECK(sign::verify(*pub, "message", *sig));
    CHECK_FALSE(sign::verify(*pub, "messagf", *sig));
}

TEST_CASE("keygen never overwrites a key", "[sign]") {
    TempDir dir;
    REQUIRE(sign::write_new_key_pair(dir.path().string()));
    std::string before = test::read_file(dir / "bundle.key");
    auto again = sign::write_new_key_pair(dir.path().string());
    REQUIRE_FALSE(again);
    CHECK(again.error().message.find("not overwriting") != std::string::npos);
    CHECK(test::read_file(dir / "bundle.key") == before);
}

TEST_CASE("a private key readable by others is refused", "[sign]") {
    TempDir dir;
    auto paths = sign::write_new_key_pair(dir.path().string());
    REQUIRE(paths);
    ::chmod(paths->private_key.c_str(), 0644);
    auto key = sign::load_private_key(paths->private_key);
    REQUIRE_FALSE(key);
    CHECK(key.error().message.find("chmod 600") != std::string::npos);
}

TEST_CASE("public keys load from PEM and from raw base64", "[sign]") {
    auto key = sign::PrivateKey::generate();
    REQUIRE(key);
    auto from_pem = sign::parse_public_key(sign::public_key_pem(key->public_key()), "pem");
    auto from_b64 = sign::parse_public_key(sign::public_key_base64(key->public_key()) + "\n", "b64");
    REQUIRE(from_pem);
    REQUIRE(from_b64);
    CHECK(*from_pem == key->public_key());
    CHECK(*from_b64 == key->public_key());
    CHECK_FALSE(sign::parse_public_key("not a key", "x"));
}

TEST_CASE("signature base64 round trip", "[sign]") {
    auto key = sign::PrivateKey::generate();
    auto sig = key->sign("x");
    REQUIRE(sig);
    CHECK(sign::signature_from_base64(sign::signature_base64(*sig)) == *sig);
    CHECK_FALSE(sign::signature_from_base64("short"));
}
