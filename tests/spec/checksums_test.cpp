#include "spec/checksums.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

using bundle::Code;
using bundle::spec::find_checksum;
using bundle::spec::parse_checksums;

namespace {

const std::string url = "https://h/releases/download/v1/sha256sum-amd64.txt";
const std::string a(64, 'a');
const std::string b(64, 'b');

std::string fixture() {
    std::ifstream in(std::string(BUNDLE_TEST_DATA) + "/spec/sha256sum-amd64.txt", std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

}  // namespace

TEST_CASE("checksum files in GNU and BSD form are read line by line", "[spec][checksums]") {
    auto lines = parse_checksums(fixture(), url);
    REQUIRE(lines);
    REQUIRE(lines->size() == 4);
    CHECK((*lines)[0].name == "k3s");
    CHECK((*lines)[0].sha256 == a);
    CHECK((*lines)[0].line == 1);
    CHECK((*lines)[1].name == "k3s-airgap-images-amd64.tar.zst");  // binary mode '*'
    CHECK((*lines)[2].name == "k3s-arm64");                        // BSD form, CRLF
    CHECK((*lines)[2].sha256 == std::string(64, 'c'));             // lower-cased
    CHECK((*lines)[2].line == 4);                                  // the blank line counts
    CHECK((*lines)[3].name == "name with spaces.txt");
}

TEST_CASE("find_checksum looks a file name up", "[spec][checksums]") {
    auto hex = find_checksum(fixture(), "k3s-airgap-images-amd64.tar.zst", url);
    REQUIRE(hex);
    CHECK(*hex == b);
    auto upper = find_checksum(fixture(), "k3s-arm64", url);
    REQUIRE(upper);
    CHECK(*upper == std::string(64, 'c'));
    CHECK(find_checksum(fixture(), "name with spaces.txt", url));
    // The same digest twice is harmless.
    CHECK(find_checksum(a + "  x\n" + a + " *x\n", "x", url));
}

TEST_CASE("a name not listed is an error naming the url", "[spec][checksums][errors]") {
    auto hex = find_checksum(fixture(), "k3s-amd64", url);
    REQUIRE_FALSE(hex);
    CHECK(hex.error().code == Code::invalid_input);
    CHECK(hex.error().where == url);
    CHECK(hex.error().message == "the checksum file does not list 'k3s-amd64' (it lists 4 files)");
    // The name is matched whole, not as a suffix or prefix.
    CHECK_FALSE(find_checksum(a + "  dir/k3s\n", "k3s", url));
    CHECK_FALSE(find_checksum(a + "  k3s\n", "k3", url));
}

TEST_CASE("a name listed with two digests is refused", "[spec][checksums][errors]") {
    auto hex = find_checksum(a + "  k3s\n" + b + "  other\n" + b + "  k3s\n", "k3s", url);
    REQUIRE_FALSE(hex);
    CHECK(hex.error().where == url);
    CHECK(hex.error().message ==
          "'k3s' is listed twice with different digests (lines 1 and 3); refusing to choose");
}

TEST_CASE("malformed lines are all reported with their numbers", "[spec][checksums][errors]") {
    const std::string text = a + "  good\n" + "not a checksum\n" +  // no hex
                             std::string(63, 'a') + "  short\n" +   // 63 digits
                             a + "\tk3s\n" +                        // wrong separator
                             a + "  \n" +                           // no name
                             "SHA512 (x) = " + a + "\n" +           // other algorithm
                             "SHA256 () = " + a + "\n";             // empty name
    auto lines = parse_checksums(text, url);
    REQUIRE_FALSE(lines);
    CHECK(lines.error().code == Code::invalid_input);
    CHECK(lines.error().where == url);
    CHECK(lines.error().message ==
          "malformed checksum file (expected '<64 hex digits>  <name>' or 'SHA256 (<name>) = "
          "<64 hex digits>'):\n"
          "line 2: not a SHA-256 checksum line: 'not a checksum'\n"
          "line 3: not a SHA-256 checksum line: '" +
              std::string(63, 'a') +
              " ...'\n"
              "line 4: not a SHA-256 checksum line: '" +
              a +
              "...'\n"
              "line 5: not a SHA-256 checksum line: '" +
              a +
              "...'\n"
              "line 6: not a SHA-256 checksum line: 'SHA512 (x) = " +
              std::string(51, 'a') +
              "...'\n"
              "line 7: not a SHA-256 checksum line: 'SHA256 () = " +
              std::string(52, 'a') + "...'");
    CHECK_FALSE(find_checksum(text, "good", url));  // a file we do not understand gives no pin
}

TEST_CASE("an empty checksum file lists nothing", "[spec][checksums]") {
    auto lines = parse_checksums("\n\n", url);
    REQUIRE(lines);
    CHECK(lines->empty());
}
