#include "oci/endpoint.h"

#include <catch2/catch.hpp>

using namespace bundle;
using namespace bundle::oci;

namespace {

spec::ImageReference reference(const std::string& text) {
    auto parsed = spec::parse_image_reference(text);
    REQUIRE(parsed);
    return *parsed;
}

}  // namespace

TEST_CASE("loopback registries are reached over plain HTTP and others only over HTTPS",
          "[oci][transport]") {
    for (const char* loopback : {"127.0.0.1:5000", "127.0.0.1", "127.3.2.1:80", "localhost:5000",
                                 "localhost", "[::1]:5000"})
        CHECK(registry_scheme(loopback, {}) == "http");
    for (const char* remote :
         {"quay.io", "registry.example.com:5000", "10.0.0.1:5000", "127.0.0.1.example.com",
          "localhost.example.com", "[::2]:5000", "128.0.0.1"})
        CHECK(registry_scheme(remote, {}) == "https");
}

TEST_CASE("an insecure registry host is allowed plain HTTP and no other host is",
          "[oci][transport]") {
    CHECK(registry_scheme("registry.lan:5000", {"registry.lan:5000"}) == "http");
    CHECK(registry_scheme("registry.lan:5000", {"registry.lan"}) == "http");
    CHECK(registry_scheme("registry.lan:5000", {"other.lan"}) == "https");
    CHECK(registry_scheme("registry.lan", {"registry.lan:5000"}) == "https");
}

TEST_CASE("docker.io is reached at registry-1.docker.io with library/ names", "[oci][transport]") {
    Endpoint endpoint = endpoint_for(reference("nginx:1.27"), {}, nullptr);
    CHECK(endpoint.base == "https://registry-1.docker.io");
    CHECK(endpoint.url("manifests/1.27") ==
          "https://registry-1.docker.io/v2/library/nginx/manifests/1.27");
    CHECK(endpoint.host == "docker.io");
    Endpoint local = endpoint_for(reference("127.0.0.1:5000/team/app:v1"), {}, nullptr);
    CHECK(local.url("blobs/sha256:x") == "http://127.0.0.1:5000/v2/team/app/blobs/sha256:x");
}

TEST_CASE("with a mirror the registry becomes the first name component",
          "[oci][transport][mirror]") {
    auto mirror = fetch::Mirror::parse("https://mirror.internal/base");
    REQUIRE(mirror);
    Endpoint endpoint = endpoint_for(reference("quay.io/cilium/cilium:v1.18.4"), {}, &*mirror);
    CHECK(endpoint.url("manifests/v1.18.4") ==
          "https://mirror.internal/base/v2/quay.io/cilium/cilium/manifests/v1.18.4");
    CHECK(endpoint.host == "mirror.internal");
    CHECK_FALSE(endpoint.is_file);
    Endpoint hub = endpoint_for(reference("nginx:1.27"), {}, &*mirror);
    CHECK(hub.url("manifests/1.27") ==
          "https://mirror.internal/base/v2/docker.io/library/nginx/manifests/1.27");
    Endpoint port = endpoint_for(reference("127.0.0.1:5000/a:1"), {}, &*mirror);
    CHECK(port.url("manifests/1") ==
          "https://mirror.internal/base/v2/127.0.0.1:5000/a/manifests/1");
}

// A mirror URL may carry a login (https://ci:secret@mirror.internal/): it is sent, but never
// shown, and it is not part of the host that credentials are looked up for.
TEST_CASE("a mirror's user:password never reaches the endpoint's host or shown URL",
          "[oci][transport][mirror][security]") {
    auto mirror = fetch::Mirror::parse("https://ci:s3cret@mirror.internal/base");
    REQUIRE(mirror);
    Endpoint endpoint = endpoint_for(reference("quay.io/cilium/cilium:v1.18.4"), {}, &*mirror);
    CHECK(endpoint.url("manifests/v1") ==
          "https://ci:s3cret@mirror.internal/base/v2/quay.io/cilium/cilium/manifests/v1");
    CHECK(endpoint.shown_url("manifests/v1") ==
          "https://mirror.internal/base/v2/quay.io/cilium/cilium/manifests/v1");
    CHECK(endpoint.host == "mirror.internal");
}
