#include <catch2/catch.hpp>

#include "format/index.h"

using namespace bundle;
using namespace bundle::format;

namespace {

Index sample() {
    Index index;
    index.name = "demo";
    index.version = 3;
    index.arch = "amd64";
    index.created = 1700000000;
    index.members.push_back(Member{"data", Kind::directory, 0755, 0, 1024, {}});
    auto digest = *hash::sha256("x");
    index.members.push_back(Member{"data/x", Kind::file, 0644, 1, 2048, {digest}});
    return index;
}

// Replaces the first `from` in the serialized sample with `to` and parses the result.
Result<Index> parse_edited(const std::string& from, const std::string& to) {
    std::string text = serialize_index(sample());
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return parse_index(text);
}

void require_error(const Result<Index>& r, Code code, const std::string& phrase) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code == code);
    INFO(r.error().describe());
    CHECK(r.error().describe().find(phrase) != std::string::npos);
}

}  // namespace

TEST_CASE("an index survives serialize and parse unchanged", "[format][index]") {
    std::string text = serialize_index(sample());
    auto parsed = parse_index(text);
    REQUIRE(parsed);
    CHECK(serialize_index(*parsed) == text);
    CHECK(parsed->members[1].path == "data/x");
    CHECK(parsed->members[1].chunks.size() == 1);
}

TEST_CASE("the index is one member per line", "[format][index]") {
    std::string text = serialize_index(sample());
    CHECK(std::count(text.begin(), text.end(), '\n') == 4);
}

TEST_CASE("index: unknown key", "[format][index]") {
    require_error(parse_edited("\"arch\"", "\"arch2\""), Code::structure, "unknown key 'arch2'");
}

TEST_CASE("index: unsupported format version", "[format][index]") {
    require_error(parse_edited("\"format\":1", "\"format\":2"), Code::structure, "format 2 is not supported");
}

TEST_CASE("index: mode that is not four octal digits", "[format][index]") {
    require_error(parse_edited("\"0644\"", "\"644\""), Code::structure, "mode");
}

TEST_CASE("index: chunk count that does not match the size", "[format][index]") {
    require_error(parse_edited("\"size\":1,", "\"size\":1048577,"), Code::structure, "chunk digests");
}

TEST_CASE("index: a member without its parent directory", "[format][index]") {
    require_error(parse_edited("\"path\":\"data/x\"", "\"path\":\"other/x\""), Code::structure, "parent");
}

TEST_CASE("index: members out of order", "[format][index]") {
    Index index = sample();
    index.members.push_back(Member{"b", Kind::directory, 0755, 0, 4096, {}});
    index.members.push_back(Member{"a", Kind::directory, 0755, 0, 4608, {}});
    require_error(parse_index(serialize_index(index)), Code::structure, "out of order");
}

TEST_CASE("index: a path with '..'", "[format][index][security]") {
    require_error(parse_edited("\"path\":\"data/x\"", "\"path\":\"data/../x\""), Code::unsafe_path, "'..'");
}

TEST_CASE("index: a kind other than file or directory", "[format][index][security]") {
    require_error(parse_edited("\"kind\":\"file\"", "\"kind\":\"symlink\""), Code::unsafe_path, "symlink");
}

TEST_CASE("index: not JSON, or nested too deeply", "[format][index]") {
    require_error(parse_index("{"), Code::structure, "not valid JSON");
    require_error(parse_index(std::string(10000, '[')), Code::structure, "nested");
    require_error(parse_index("[]"), Code::structure, "not a JSON object");
}

TEST_CASE("index: a chunk size that is not a power of two in range", "[format][index]") {
    require_error(parse_edited("\"chunk_size\":1048576", "\"chunk_size\":1000000"), Code::structure, "chunk_size");
}

// Found by review: a size near 2^64 wrapped the chunk count and the padding to zero, so an index
// with no chunk digests passed and verification then read a digest that did not exist.
TEST_CASE("index: a size so large that offsets could wrap", "[format][index][security]") {
    require_error(parse_edited("\"size\":1,", "\"size\":18446744073709551615,"), Code::structure,
                  "out of range");
}

TEST_CASE("index: a setuid bit in a mode", "[format][index][security]") {
    require_error(parse_edited("\"0644\"", "\"4755\""), Code::unsafe_path, "setuid");
}

TEST_CASE("index: a creation time in milliseconds", "[format][index]") {
    require_error(parse_edited("\"created\":1700000000", "\"created\":1700000000000"), Code::structure, "out of range");
}

// Found by review: the writer silently cut a millisecond SOURCE_DATE_EPOCH to 11 octal digits and
// wrote a bundle that every reader refused. It now refuses what a reader would refuse.
TEST_CASE("check_index_fields refuses what no reader accepts", "[format][index]") {
    Index index = sample();
    CHECK(check_index_fields(index));
    index.created = 1700000000000;
    CHECK_FALSE(check_index_fields(index));
    index = sample();
    index.name = "\x1b]0;x";
    CHECK_FALSE(check_index_fields(index));
    index = sample();
    index.chunk_size = 0;
    CHECK_FALSE(check_index_fields(index));
}
