#include "sign/ed25519.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

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

// EVP_DecodeBlock ignores the low 4 bits of the 86th character: 16 texts gave one signature.
TEST_CASE("a signature text is accepted only in its canonical form", "[sign][security]") {
    auto key = sign::PrivateKey::generate();
    REQUIRE(key);
    auto sig = key->sign("x");
    REQUIRE(sig);
    const std::string text = sign::signature_base64(*sig);
    REQUIRE(text.size() == 88);
    int same_signature = 0;  // texts accepted as this very signature
    for (char c : std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")) {
        std::string other = text;
        other[85] = c;  // carries 2 bits of the last byte and 4 padding bits
        auto decoded = sign::signature_from_base64(other);
        if (!decoded)
            continue;
        CHECK(sign::signature_base64(*decoded) == other);
        if (*decoded == *sig)
            ++same_signature;
    }
    CHECK(same_signature == 1);
    CHECK_FALSE(sign::signature_from_base64(text.substr(0, 86) + "A="));
}

TEST_CASE("a raw base64 public key is accepted only in its canonical form", "[sign][security]") {
    auto key = sign::PrivateKey::generate();
    REQUIRE(key);
    const std::string text = sign::public_key_base64(key->public_key());
    REQUIRE(text.size() == 44);
    int same_key = 0;  // texts accepted as this very key
    for (char c : std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")) {
        std::string other = text;
        other[42] = c;  // carries 4 bits of the last byte and 2 padding bits
        auto parsed = sign::parse_public_key(other, "b64");
        if (!parsed)
            continue;
        CHECK(sign::public_key_base64(*parsed) == other);
        if (*parsed == key->public_key())
            ++same_key;
    }
    CHECK(same_key == 1);
    CHECK_FALSE(sign::parse_public_key(text.substr(0, 43) + "A", "b64"));  // 33 bytes, not 32
}

// It used to read the whole file before checking its size: --pubkey /dev/zero grew without end.
TEST_CASE("/dev/zero as a public key is refused at once", "[sign][security]") {
    auto start = std::chrono::steady_clock::now();
    auto key = sign::load_public_key("/dev/zero");
    auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(key);
    CHECK(key.error().code == Code::invalid_input);
    CHECK_THAT(key.error().message, Catch::Matchers::Contains("not a regular file"));
    CHECK(elapsed < std::chrono::seconds(1));
}

TEST_CASE("a FIFO as a key file is refused without waiting for a writer", "[sign][security]") {
    TempDir dir;
    const std::string fifo = (dir / "key.pub").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto key = sign::load_public_key(fifo);
    REQUIRE_FALSE(key);
    CHECK_THAT(key.error().message, Catch::Matchers::Contains("not a regular file"));
    ::chmod(fifo.c_str(), 0600);
    auto private_key = sign::load_private_key(fifo);
    REQUIRE_FALSE(private_key);
    CHECK_THAT(private_key.error().message, Catch::Matchers::Contains("not a regular file"));
}

TEST_CASE("a 100 KiB key file is refused as too large", "[sign]") {
    TempDir dir;
    test::write_file(dir / "big.pub", std::string(100 * 1024, 'A'));
    auto key = sign::load_public_key((dir / "big.pub").string());
    REQUIRE_FALSE(key);
    CHECK(key.error().code == Code::invalid_input);
    CHECK_THAT(key.error().message, Catch::Matchers::Contains("too large"));
    test::write_file(dir / "big.key", std::string(100 * 1024, 'A'));
    REQUIRE(::chmod((dir / "big.key").c_str(), 0600) == 0);
    auto private_key = sign::load_private_key((dir / "big.key").string());
    REQUIRE_FALSE(private_key);
    CHECK_THAT(private_key.error().message, Catch::Matchers::Contains("too large"));
}

TEST_CASE("a key file of exactly 64 KiB is read, then parsed", "[sign]") {
    TempDir dir;
    test::write_file(dir / "edge.pub", std::string(64 * 1024, 'A'));
    auto key = sign::load_public_key((dir / "edge.pub").string());
    REQUIRE_FALSE(key);
    CHECK_THAT(key.error().message, Catch::Matchers::Contains("not a public key"));
}

// DESIGN: folders that hold secrets are 0700. The key folder used to get the umask's mode.
TEST_CASE("keygen creates a missing key folder with mode 0700", "[sign][security]") {
    TempDir dir;
    mode_t old_umask = ::umask(022);
    auto paths = sign::write_new_key_pair((dir / "parent" / "keys").string());
    ::umask(old_umask);
    REQUIRE(paths);
    struct stat st {};
    REQUIRE(::stat((dir / "parent" / "keys").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
}

TEST_CASE("keygen leaves an existing key folder's mode as it is", "[sign]") {
    TempDir dir;
    const auto folder = dir / "keys";
    REQUIRE(::mkdir(folder.c_str(), 0750) == 0);
    REQUIRE(::chmod(folder.c_str(), 0750) == 0);
    REQUIRE(sign::write_new_key_pair(folder.string() + "/"));
    struct stat st {};
    REQUIRE(::stat(folder.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750);
    CHECK(std::filesystem::exists(folder / "bundle.key"));
}

TEST_CASE("keygen refuses a key folder that is a file", "[sign]") {
    TempDir dir;
    test::write_file(dir / "keys", "not a folder");
    auto paths = sign::write_new_key_pair((dir / "keys").string());
    REQUIRE_FALSE(paths);
    CHECK(paths.error().code == Code::io);
}
