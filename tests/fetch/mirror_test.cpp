#include <catch2/catch.hpp>

#include "fetch/mirror.h"

using bundle::Code;
using bundle::fetch::Mirror;

TEST_CASE("an upstream URL maps below the mirror, path kept byte for byte", "[fetch][mirror]") {
    auto mirror = Mirror::parse("https://mirror.internal/bundle/");
    REQUIRE(mirror);
    CHECK(mirror->base() == "https://mirror.internal/bundle");
    auto mapped = mirror->map_url("https://github.com/k3s-io/k3s/releases/download/v1.36.0%2Bk3s1/k3s");
    REQUIRE(mapped);
    CHECK(*mapped == "https://mirror.internal/bundle/github.com/k3s-io/k3s/releases/download/v1.36.0%2Bk3s1/k3s");
}

TEST_CASE("a mirror folder becomes an absolute file:// URL", "[fetch][mirror]") {
    auto mirror = Mirror::parse("/srv/mirror/");
    REQUIRE(mirror);
    CHECK(mirror->base() == "file:///srv/mirror");
    auto mapped = mirror->map_url("http://example.com/a/b.tar");
    REQUIRE(mapped);
    CHECK(*mapped == "file:///srv/mirror/example.com/a/b.tar");

    auto relative = Mirror::parse("some dir");
    REQUIRE(relative);
    CHECK(relative->base().rfind("file:///", 0) == 0);
    CHECK(relative->base().ends_with("/some%20dir"));
}

TEST_CASE("the port stays part of the host and the query is dropped", "[fetch][mirror]") {
    auto path = Mirror::relative_path("https://registry.example:8443/v2/x/blobs/sha256:ab?X-Amz-Signature=secret#frag");
    REQUIRE(path);
    CHECK(*path == "registry.example:8443/v2/x/blobs/sha256:ab");
}

TEST_CASE("credentials in an upstream URL never reach the mirror path", "[fetch][mirror][security]") {
    auto path = Mirror::relative_path("https://user:secret@example.com/file");
    REQUIRE(path);
    CHECK(*path == "example.com/file");
}

TEST_CASE("non-http upstreams and mirrors are rejected", "[fetch][mirror]") {
    auto ftp = Mirror::relative_path("ftp://example.com/file");
    REQUIRE_FALSE(ftp);
    CHECK(ftp.error().code == Code::invalid_input);
    CHECK_FALSE(Mirror::relative_path("file:///etc/passwd"));
    CHECK_FALSE(Mirror::relative_path("example.com/file"));
    CHECK_FALSE(Mirror::parse("ftp://mirror/"));
    CHECK_FALSE(Mirror::parse(""));
}

TEST_CASE("a path that climbs out of the mirror is rejected, even percent-encoded", "[fetch][mirror][security]") {
    CHECK_FALSE(Mirror::relative_path("https://example.com/a/../../etc/passwd"));
    CHECK_FALSE(Mirror::relative_path("https://example.com/a/%2e%2E/x"));
    CHECK_FALSE(Mirror::relative_path("https://example.com/a/%2F/x"));
    CHECK(Mirror::relative_path("https://example.com/a/..b/x"));
}
