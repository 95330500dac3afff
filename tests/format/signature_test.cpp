#include "format/signature.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "format/index.h"

using namespace bundle;

namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// A real index, its signature line, and the key that made it.
struct Signed {
    std::string index;
    std::string line;
    sign::PublicKey key{};
};

Signed signed_index() {
    format::Index index;
    index.name = "demo";
    index.version = 3;
    index.arch = "amd64";
    index.created = 1700000000;
    auto digest = hash::sha256("x");
    REQUIRE(digest);
    index.members.push_back(format::Member{"data", format::Kind::directory, 0755, 0, 1024, {}});
    index.members.push_back(format::Member{"data/x", format::Kind::file, 0644, 1, 2048, {*digest}});
    auto key = sign::PrivateKey::generate();
    REQUIRE(key);
    Signed s;
    s.index = format::serialize_index(index);
    auto signature = key->sign(s.index);
    REQUIRE(signature);
    s.line = format::encode_signature(key->public_key(), *signature);
    s.key = key->public_key();
    return s;
}

// Where the 88 characters after "sig=" start in a signature line.
std::size_t sig_start(const std::string& line) {
    std::size_t at = line.find(" sig=");
    REQUIRE(at != std::string::npos);
    return at + 5;
}

// Replaces the 16-character key id of a signature line.
std::string with_key_id(std::string line, std::string_view id) {
    std::size_t at = line.find("key=");
    REQUIRE(at != std::string::npos);
    REQUIRE(id.size() == 16);
    line.replace(at + 4, 16, id);
    return line;
}

}  // namespace

TEST_CASE("an honest signature line is accepted", "[format][signature]") {
    Signed s = signed_index();
    CHECK(format::check_signature(s.index, s.line, s.key));
}

// EVP_DecodeBlock ignores the 4 padding bits of the 86th base64 character, so 16 texts decoded
// to one signature and a signed bundle could be altered and still verify. Only the canonical
// text is accepted now.
TEST_CASE("every other character at the end of the signature text is refused",
          "[format][signature][security]") {
    Signed s = signed_index();
    const std::size_t start = sig_start(s.line);
    for (std::size_t position : {std::size_t{85}, std::size_t{86}}) {
        for (char c : kBase64Alphabet) {
            std::string line = s.line;
            line[start + position] = c;
            if (line == s.line)
                continue;
            INFO("position " << position << " replaced by '" << c << "'");
            auto status = format::check_signature(s.index, line, s.key);
            REQUIRE_FALSE(status);
            CHECK(status.error().code == Code::signature);
        }
    }
}

// The key id comes from an untrusted file; echoing it let a bundle send escape sequences to the
// terminal that shows the error.
TEST_CASE("a key id that is not 16 lowercase hex digits is malformed and not echoed",
          "[format][signature][security]") {
    Signed s = signed_index();
    const std::string escape = "\x1b]0;pwn\x07\x1b[2J\x1b[0m";  // 16 bytes: title, clear, reset
    for (std::string_view id :
         {std::string_view(escape), std::string_view("0123456789ABCDEF"),
          std::string_view("0123456789abcdeg"), std::string_view("0123456789abcde ")}) {
        INFO("key id " << std::string(id.size(), '?'));
        auto status = format::check_signature(s.index, with_key_id(s.line, id), s.key);
        REQUIRE_FALSE(status);
        CHECK(status.error().code == Code::signature);
        CHECK_THAT(status.error().message, Catch::Matchers::Contains("malformed signature"));
        CHECK(status.error().describe().find(std::string(id)) == std::string::npos);
        CHECK(status.error().describe().find('\x1b') == std::string::npos);
    }
}

TEST_CASE("a well-formed key id of another signer is named", "[format][signature]") {
    Signed s = signed_index();
    auto status = format::check_signature(s.index, with_key_id(s.line, "0123456789abcdef"), s.key);
    REQUIRE_FALSE(status);
    CHECK(status.error().code == Code::signature);
    CHECK_THAT(status.error().message,
               Catch::Matchers::Contains("signed by another key (key id 0123456789abcdef"));
}
