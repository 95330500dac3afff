#include "oci/challenge.h"

#include <catch2/catch.hpp>

using namespace bundle::oci;

TEST_CASE("a Bearer challenge with realm and service and a scope holding a comma inside quotes",
          "[oci][auth]") {
    auto challenges = parse_www_authenticate(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push")");
    REQUIRE(challenges.size() == 1);
    CHECK(challenges[0].scheme == "bearer");
    CHECK(challenges[0].params.at("realm") == "https://auth.docker.io/token");
    CHECK(challenges[0].params.at("service") == "registry.docker.io");
    CHECK(challenges[0].params.at("scope") == "repository:library/nginx:pull,push");
}

TEST_CASE("spaces around separators and upper case and escapes and unquoted values",
          "[oci][auth]") {
    auto challenges = parse_www_authenticate(
        "BEARER  Realm = \"http://127.0.0.1:9/t?a=b,c\" ,  service=plain ,scope=\"a \\\"quoted\\\" "
        "b\",error=\"insufficient_scope\"");
    REQUIRE(challenges.size() == 1);
    CHECK(challenges[0].scheme == "bearer");
    CHECK(challenges[0].params.at("realm") == "http://127.0.0.1:9/t?a=b,c");
    CHECK(challenges[0].params.at("service") == "plain");
    CHECK(challenges[0].params.at("scope") == "a \"quoted\" b");
    CHECK(challenges[0].params.at("error") == "insufficient_scope");
}

TEST_CASE("two challenges in one header", "[oci][auth]") {
    auto challenges = parse_www_authenticate(
        R"(Basic realm="Registry Realm", Bearer realm="https://a/t",service="s, t")");
    REQUIRE(challenges.size() == 2);
    CHECK(challenges[0].scheme == "basic");
    CHECK(challenges[0].params.at("realm") == "Registry Realm");
    CHECK(challenges[1].scheme == "bearer");
    CHECK(challenges[1].params.at("realm") == "https://a/t");
    CHECK(challenges[1].params.at("service") == "s, t");
}

TEST_CASE("garbage and truncation never hang or throw", "[oci][auth]") {
    for (const char* text :
         {"", ",,,", "=", "Bearer realm=\"unterminated", "Bearer realm=", "\"\"\"",
          "Basic abc==", "Bearer ,realm=x,,", "Negotiate a/b+c=, Basic realm=x"}) {
        auto challenges = parse_www_authenticate(text);
        CHECK(challenges.size() <= 3);
    }
    auto last = parse_www_authenticate("Negotiate a/b+c=, Basic realm=x");
    REQUIRE(last.size() == 2);
    CHECK(last[1].params.at("realm") == "x");
}
