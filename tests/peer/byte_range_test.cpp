#include "peer/byte_range.h"

#include <catch2/catch.hpp>

using namespace bundle::peer;

namespace {

void partial(const char* header, std::uint64_t size, std::uint64_t first, std::uint64_t length) {
    INFO(header);
    RangeAnswer a = resolve_range(std::string(header), size);
    REQUIRE(a.kind == RangeKind::partial);
    CHECK(a.range.first == first);
    CHECK(a.range.length == length);
}

}  // namespace

TEST_CASE("single byte ranges: a-b, a-, -n", "[peer][range]") {
    partial("bytes=0-99", 1000, 0, 100);
    partial("bytes=990-", 1000, 990, 10);
    partial("bytes=-10", 1000, 990, 10);
    partial("bytes=-5000", 1000, 0, 1000);      // a suffix longer than the file: all of it
    partial("bytes=900-5000", 1000, 900, 100);  // an end beyond the file: up to its end
    partial("bytes=999-999", 1000, 999, 1);
    CHECK(content_range({900, 100}, 1000) == "bytes 900-999/1000");
}

TEST_CASE("unsatisfiable ranges", "[peer][range]") {
    CHECK(resolve_range(std::string("bytes=1000-"), 1000).kind == RangeKind::unsatisfiable);
    CHECK(resolve_range(std::string("bytes=5000-6000"), 1000).kind == RangeKind::unsatisfiable);
    CHECK(resolve_range(std::string("bytes=-0"), 1000).kind == RangeKind::unsatisfiable);
    CHECK(resolve_range(std::string("bytes=0-"), 0).kind == RangeKind::unsatisfiable);
}

TEST_CASE("anything but one well-formed byte range is ignored: the whole file", "[peer][range]") {
    for (const char* header :
         {"bytes=0-1,5-6", "bytes=5-1", "bytes=a-b", "items=0-1", "bytes=", "bytes=-", "bytes= 0-1",
          "bytes=+1-2", "bytes=99999999999999999999-", "Bytes=0-1"}) {
        INFO(header);
        CHECK(resolve_range(std::string(header), 1000).kind == RangeKind::whole);
    }
    CHECK(resolve_range(std::nullopt, 1000).kind == RangeKind::whole);
}
