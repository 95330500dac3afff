#include "spec/reference.h"

#include <catch2/catch.hpp>
#include <string>

#include "spec/yaml_error.h"

using bundle::Code;
using bundle::spec::parse_image_reference;

namespace {

const std::string hex(64, 'a');
const std::string digest = "sha256:" + hex;

}  // namespace

TEST_CASE("valid references are split and normalised as Docker does", "[spec][reference]") {
    auto [text, registry, repository, tag,
          full] = GENERATE(table<std::string, std::string, std::string, std::string, std::string>({
        {"registry.example.org/cilium/cilium:v1.18.4", "registry.example.org", "cilium/cilium", "v1.18.4",
         "registry.example.org/cilium/cilium:v1.18.4"},
        {"nginx:1.27", "docker.io", "library/nginx", "1.27", "docker.io/library/nginx:1.27"},
        {"bitnami/redis:7", "docker.io", "bitnami/redis", "7", "docker.io/bitnami/redis:7"},
        {"docker.io/nginx:1", "docker.io", "library/nginx", "1", "docker.io/library/nginx:1"},
        {"index.docker.io/nginx:1", "docker.io", "library/nginx", "1", "docker.io/library/nginx:1"},
        {"localhost/app:dev", "localhost", "app", "dev", "localhost/app:dev"},
        {"localhost:5000/app:dev", "localhost:5000", "app", "dev", "localhost:5000/app:dev"},
        {"127.0.0.1:5000/a/b/c:x", "127.0.0.1:5000", "a/b/c", "x", "127.0.0.1:5000/a/b/c:x"},
        {"[::1]:5000/app:1", "[::1]:5000", "app", "1", "[::1]:5000/app:1"},
        {"Registry.Example-1.com/app:1", "Registry.Example-1.com", "app", "1",
         "Registry.Example-1.com/app:1"},
        {"ghcr.io/a.b/c_d/e__f/g--h-i:_T.a-g", "ghcr.io", "a.b/c_d/e__f/g--h-i", "_T.a-g",
         "ghcr.io/a.b/c_d/e__f/g--h-i:_T.a-g"},
        {"quay.io/x:" + std::string(128, 't'), "quay.io", "x", std::string(128, 't'),
         "quay.io/x:" + std::string(128, 't')},
    }));
    auto reference = parse_image_reference(text);
    REQUIRE(reference);
    CHECK(reference->registry == registry);
    CHECK(reference->repository == repository);
    CHECK(reference->tag == tag);
    CHECK_FALSE(reference->digest);
    CHECK(reference->full() == full);
    CHECK(reference->manifest_reference() == tag);
}

TEST_CASE("a digest alone or with a tag is kept and preferred", "[spec][reference]") {
    auto only = parse_image_reference("registry.example.org/cilium/operator-generic@" + digest);
    REQUIRE(only);
    CHECK_FALSE(only->tag);
    CHECK(only->digest == digest);
    CHECK(only->full() == "registry.example.org/cilium/operator-generic@" + digest);
    CHECK(only->manifest_reference() == digest);

    auto both = parse_image_reference("alpine:3.20@" + digest);
    REQUIRE(both);
    CHECK(both->tag == "3.20");
    CHECK(both->digest == digest);
    CHECK(both->full() == "docker.io/library/alpine:3.20@" + digest);
    CHECK(both->manifest_reference() == digest);

    // A port without a tag: the colon before the last '/' is not a tag.
    auto port = parse_image_reference("localhost:5000/app@" + digest);
    REQUIRE(port);
    CHECK(port->registry == "localhost:5000");
    CHECK(port->repository == "app");
    CHECK_FALSE(port->tag);
}

TEST_CASE("a name of exactly 255 characters is accepted, 256 is not", "[spec][reference]") {
    const std::string name255 = "quay.io/" + std::string(255 - 8, 'a');
    CHECK(parse_image_reference(name255 + ":1"));
    CHECK_FALSE(parse_image_reference(name255 + "a:1"));
}

TEST_CASE("invalid references are refused with the reason and the text", "[spec][reference]") {
    auto [text, reason] = GENERATE(table<std::string, std::string>({
        {"", "it is empty"},
        {"nginx", "neither a tag nor a digest"},
        {"registry.example.org/cilium/cilium", "neither a tag nor a digest"},
        {"localhost:5000/app", "neither a tag nor a digest"},
        {"Nginx:1", "repository component 'Nginx'"},
        {"quay.io/Cilium/cilium:1", "repository component 'Cilium'"},
        {"registry.example.org/cilium/:1", "repository component ''"},
        {"quay.io//a:1", "repository component ''"},
        {"quay.io/a/:1", "repository component ''"},
        {"a-:1", "repository component 'a-'"},
        {"a___b:1", "repository component 'a___b'"},
        {"a..b:1", "repository component 'a..b'"},
        {"-a:1", "repository component '-a'"},
        {"a b:1", "repository component 'a b'"},
        {":1", "no repository name"},
        {"@" + digest, "no repository name"},
        {"nginx:", "the tag must match"},
        {"nginx:-x", "the tag must match"},
        {"nginx:.x", "the tag must match"},
        {"nginx:a/b", "the registry 'nginx:a'"},  // the colon before the last / is a port
        {"nginx:" + std::string(129, 't'), "the tag must match"},
        {"nginx:1@sha256:" + std::string(64, 'A'), "the digest must be"},
        {"nginx:1@sha256:" + std::string(63, 'a'), "the digest must be"},
        {"nginx:1@sha512:" + std::string(128, 'a'), "the digest must be"},
        {"nginx@", "the digest must be"},
        {"nginx@sha256:" + hex + "@" + digest, "the digest must be"},
        {"-bad.io/app:1", "the registry '-bad.io'"},
        {"bad_host.io/app:1", "the registry 'bad_host.io'"},
        {"host.io:/app:1", "the registry 'host.io:'"},
        {"host.io:50a/app:1", "the registry 'host.io:50a'"},
        {"[zz]:5000/app:1", "the registry '[zz]:5000'"},
        {"quay.io/" + std::string(248, 'a') + ":1", "longer than 255"},
    }));
    auto reference = parse_image_reference(text);
    REQUIRE_FALSE(reference);
    CHECK(reference.error().code == Code::invalid_input);
    CHECK_THAT(
        reference.error().message,
        Catch::StartsWith("invalid image reference " + bundle::spec::quote_value(text) + ": "));
    CHECK_THAT(reference.error().message, Catch::Contains(reason));
}

TEST_CASE("control characters in a reference are shown escaped", "[spec][reference]") {
    auto reference = parse_image_reference("nginx:1\n");
    REQUIRE_FALSE(reference);
    CHECK_THAT(reference.error().message,
               Catch::StartsWith("invalid image reference 'nginx:1\\x0a'"));
}
