#include "oci/credentials.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "support/temp_dir.h"

using namespace bundle;
using namespace bundle::oci;
using bundle::test::TempDir;

namespace {

struct NoEnvironmentLogin {
    NoEnvironmentLogin() {
        ::unsetenv("BUNDLE_REGISTRY_USER");
        ::unsetenv("BUNDLE_REGISTRY_PASSWORD");
    }
    ~NoEnvironmentLogin() {
        ::unsetenv("BUNDLE_REGISTRY_USER");
        ::unsetenv("BUNDLE_REGISTRY_PASSWORD");
    }
};

}  // namespace

TEST_CASE("base64 round trip", "[oci][auth]") {
    for (const std::string& text :
         {std::string(""), std::string("a"), std::string("ab"), std::string("abc"),
          std::string("user:p@ss:word"), std::string("\xff\x00\x10", 3)}) {
        auto decoded = base64_decode(base64_encode(text));
        REQUIRE(decoded);
        CHECK(*decoded == text);
    }
    CHECK(base64_encode("user:pw") == "dXNlcjpwdw==");
    CHECK_FALSE(base64_decode("a b"));
    CHECK_FALSE(base64_decode("a"));
}

TEST_CASE("config.json auths by plain key or https:// key or Docker Hub's legacy key",
          "[oci][auth]") {
    NoEnvironmentLogin clean;
    TempDir dir;
    test::write_file(dir / "config.json", R"({"auths":{
        "127.0.0.1:5000":{"auth":")" + base64_encode("alice:s3cret") +
                                              R"("},
        "https://quay.io":{"auth":")" + base64_encode("bob:pw:with:colons") +
                                              R"("},
        "https://index.docker.io/v1/":{"username":"carol","password":"pw"}}})");
    auto local = find_credentials("127.0.0.1:5000", dir / "config.json");
    REQUIRE(local);
    REQUIRE(*local);
    CHECK((*local)->user == "alice");
    CHECK((*local)->password == "s3cret");
    auto quay = find_credentials("quay.io", dir / "config.json");
    REQUIRE((quay && *quay));
    CHECK((*quay)->password == "pw:with:colons");
    auto hub = find_credentials("docker.io", dir / "config.json");
    REQUIRE((hub && *hub));
    CHECK((*hub)->user == "carol");
    auto none = find_credentials("ghcr.io", dir / "config.json");
    REQUIRE(none);
    CHECK_FALSE(*none);
}

TEST_CASE("the environment is used when config.json has nothing for the registry", "[oci][auth]") {
    NoEnvironmentLogin clean;
    TempDir dir;
    ::setenv("BUNDLE_REGISTRY_USER", "ci", 1);
    ::setenv("BUNDLE_REGISTRY_PASSWORD", "token", 1);
    auto found = find_credentials("ghcr.io", dir / "missing.json");
    REQUIRE((found && *found));
    CHECK((*found)->user == "ci");
    CHECK((*found)->password == "token");
    CHECK(basic_authorization(**found) == "Authorization: Basic " + base64_encode("ci:token"));
}

TEST_CASE("a malformed config.json is an error that does not quote it", "[oci][auth]") {
    NoEnvironmentLogin clean;
    TempDir dir;
    test::write_file(dir / "config.json", R"({"auths": {"x": "secret-value")");
    auto found = find_credentials("x", dir / "config.json");
    REQUIRE_FALSE(found);
    CHECK(found.error().code == Code::invalid_input);
    CHECK(found.error().describe().find("secret-value") == std::string::npos);
}
