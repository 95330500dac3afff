// The registry client against a real docker-registry on loopback, with images pushed by skopeo
// from the layout make_layout.py writes. Fronts (registry_front.py) add a Bearer token endpoint
// or alter bytes in transit.
#include "oci/registry.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <set>

#include "oci/credentials.h"
#include "scene.h"
#include "support/nginx.h"
#include "support/registry.h"
#include "support/temp_dir.h"

using namespace bundle;
using namespace bundle::test::oci;
using bundle::test::Registry;
using bundle::test::RegistryFront;
using bundle::test::TempDir;

namespace {

const std::string amd64 = "linux/amd64";
const std::string arm64 = "linux/arm64";

struct Scene {
    TempDir dir;
    Layout layout = make_layout(dir / "layout");
    fetch::Cache cache = open_cache(dir / "cache");
    oci::RegistryOptions options = quick_options();

    Scene() {
        ::unsetenv("BUNDLE_REGISTRY_USER");
        ::unsetenv("BUNDLE_REGISTRY_PASSWORD");
    }
    ~Scene() {
        ::unsetenv("BUNDLE_REGISTRY_USER");
        ::unsetenv("BUNDLE_REGISTRY_PASSWORD");
    }
    void docker_config(const std::string& host, const std::string& user,
                       const std::string& password) {
        test::write_file(dir / "docker" / "config.json",
                         R"({"auths":{")" + host + R"(":{"auth":")" +
                             oci::base64_encode(user + ":" + password) + R"("}}})");
        options.docker_config = (dir / "docker" / "config.json").string();
    }
};

void check_same(const spec::LockedImage& got, const spec::LockedImage& want) {
    CHECK(got.group == want.group);
    CHECK(got.reference == want.reference);
    CHECK(got.top.digest == want.top.digest);
    CHECK(got.top.size == want.top.size);
    CHECK(got.top.media_type == want.top.media_type);
    CHECK(got.manifest.digest == want.manifest.digest);
    CHECK(got.manifest.size == want.manifest.size);
    REQUIRE(got.blobs.size() == want.blobs.size());
    for (std::size_t i = 0; i < got.blobs.size(); ++i) {
        CHECK(got.blobs[i].digest == want.blobs[i].digest);
        CHECK(got.blobs[i].size == want.blobs[i].size);
        CHECK(got.blobs[i].media_type == want.blobs[i].media_type);
    }
}

}  // namespace

TEST_CASE("resolve by tag: a single-platform manifest", "[oci][registry]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "single", "team/single:v1");
    std::string reference = registry.host() + "/team/single:v1";
    auto image = oci::resolve("tools", reference, "amd64", s.cache, s.options);
    REQUIRE(image);
    check_same(*image, s.layout.locked("tools", reference, "single", amd64));
    CHECK(image->top.digest == image->manifest.digest);
    CHECK(cached(s.cache, image->top.digest));
}

TEST_CASE("resolve by tag: an index to linux/amd64 and to linux/arm64 with the attestation skipped",
          "[oci][registry]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "multi", "team/multi:v1");
    std::string reference = registry.host() + "/team/multi:v1";
    auto on_amd64 = oci::resolve("app", reference, "amd64", s.cache, s.options);
    REQUIRE(on_amd64);
    check_same(*on_amd64, s.layout.locked("app", reference, "multi", amd64));
    CHECK(on_amd64->top.media_type == "application/vnd.oci.image.index.v1+json");
    auto on_arm64 = oci::resolve("app", reference, "arm64", s.cache, s.options);
    REQUIRE(on_arm64);
    check_same(*on_arm64, s.layout.locked("app", reference, "multi", arm64));
    CHECK(cached(s.cache, on_amd64->top.digest));
    CHECK(cached(s.cache, on_amd64->manifest.digest));
    CHECK(cached(s.cache, on_arm64->manifest.digest));
}

TEST_CASE("resolve by @sha256 digest with and without a tag", "[oci][registry]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "multi", "team/multi:v1");
    std::string digest = s.layout.top("multi").digest;
    for (const std::string& reference : {registry.host() + "/team/multi@" + digest,
                                         registry.host() + "/team/multi:v1@" + digest}) {
        auto image = oci::resolve("app", reference, "amd64", s.cache, s.options);
        REQUIRE(image);
        check_same(*image, s.layout.locked("app", reference, "multi", amd64));
    }
    // A digest the repository does not hold is unknown, not silently replaced by the tag.
    std::string other = registry.host() + "/team/multi:v1@sha256:" + std::string(64, '0');
    auto missing = oci::resolve("app", other, "amd64", s.cache, s.options);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Code::invalid_input);
}

TEST_CASE("an unknown tag or repository is a clear error naming the reference", "[oci][registry]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "single", "team/single:v1");
    for (const std::string& reference :
         {registry.host() + "/team/single:v2", registry.host() + "/team/nothing:v1"}) {
        auto image = oci::resolve("g", reference, "amd64", s.cache, s.options);
        REQUIRE_FALSE(image);
        CHECK(image.error().code == Code::invalid_input);
        CHECK(image.error().describe().find(reference) != std::string::npos);
        CHECK(image.error().message.find("does not know") != std::string::npos);
    }
}

TEST_CASE("an unreachable registry is a network error", "[oci][registry]") {
    Scene s;
    std::string reference = "127.0.0.1:" + std::to_string(test::free_port()) + "/team/single:v1";
    auto image = oci::resolve("g", reference, "amd64", s.cache, s.options);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::network);
}

TEST_CASE("an index without the platform names the platforms it has", "[oci][registry]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "multi", "team/multi:v1");
    std::string reference = registry.host() + "/team/multi:v1";
    auto image = oci::resolve("app", reference, "s390x", s.cache, s.options);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::invalid_input);
    CHECK(image.error().where == reference);
    CHECK(image.error().message.find("linux/s390x") != std::string::npos);
    CHECK(image.error().message.find("linux/amd64, linux/arm64/v8") != std::string::npos);
    CHECK(image.error().message.find("unknown/unknown") == std::string::npos);
}

TEST_CASE("a platform manifest altered in transit is a digest error", "[oci][registry][digest]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "multi", "team/multi:v1");
    RegistryFront front(script("registry_front.py"), s.dir.path(), registry,
                        {"--mode", "tamper", "--tamper", "/manifests/sha256:"});
    auto image = oci::resolve("app", front.host() + "/team/multi:v1", "amd64", s.cache, s.options);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::digest);
    CHECK(image.error().message.find(s.layout.manifest("multi", amd64).digest) !=
          std::string::npos);
    CHECK_FALSE(
        cached(s.cache, s.layout.top("multi").digest));  // nothing stored from a failed resolve
}

TEST_CASE("a manifest by tag that disagrees with Docker-Content-Digest is a digest error",
          "[oci][registry][digest]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "single", "team/single:v1");
    RegistryFront front(script("registry_front.py"), s.dir.path(), registry,
                        {"--mode", "tamper", "--tamper", "/manifests/v1"});
    auto image = oci::resolve("g", front.host() + "/team/single:v1", "amd64", s.cache, s.options);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::digest);
}

TEST_CASE("a blob altered in transit is a digest error and does not enter the cache",
          "[oci][registry][digest]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "single", "team/single:v1");
    RegistryFront front(script("registry_front.py"), s.dir.path(), registry,
                        {"--mode", "tamper", "--tamper", "/blobs/"});
    std::string reference = front.host() + "/team/single:v1";
    auto image = oci::resolve("g", reference, "amd64", s.cache, s.options);
    REQUIRE(image);
    auto fetched = oci::fetch_images({*image}, s.cache, s.options);
    REQUIRE_FALSE(fetched);
    CHECK(fetched.error().code == Code::digest);
    for (const auto& blob : image->blobs) CHECK_FALSE(cached(s.cache, blob.digest));
}

TEST_CASE("Basic auth with credentials from docker config.json", "[oci][registry][auth]") {
    Scene s;
    Registry registry(s.dir.path(), test::BasicLogin{"alice", "open-sesame-42"});
    registry.push(s.layout.dir, "multi", "private/app:v1");
    std::string reference = registry.host() + "/private/app:v1";

    auto anonymous = oci::resolve("app", reference, "amd64", s.cache, s.options);
    REQUIRE_FALSE(anonymous);
    CHECK(anonymous.error().code == Code::network);
    CHECK(anonymous.error().message.find("no credentials") != std::string::npos);

    s.docker_config(registry.host(), "alice", "wrong-password-77");
    auto wrong = oci::resolve("app", reference, "amd64", s.cache, s.options);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().describe().find("wrong-password-77") == std::string::npos);

    s.docker_config(registry.host(), "alice", "open-sesame-42");
    auto image = oci::resolve("app", reference, "amd64", s.cache, s.options);
    REQUIRE(image);
    check_same(*image, s.layout.locked("app", reference, "multi", amd64));
    REQUIRE(oci::fetch_images({*image}, s.cache, s.options));
    for (const auto& blob : image->blobs) CHECK(cached(s.cache, blob.digest));
}

TEST_CASE("Basic auth with credentials from the environment", "[oci][registry][auth]") {
    Scene s;
    Registry registry(s.dir.path(), test::BasicLogin{"ci-bot", "from-env-99"});
    registry.push(s.layout.dir, "single", "private/tool:v1");
    ::setenv("BUNDLE_REGISTRY_USER", "ci-bot", 1);
    ::setenv("BUNDLE_REGISTRY_PASSWORD", "from-env-99", 1);
    std::string reference = registry.host() + "/private/tool:v1";
    auto image = oci::resolve("tools", reference, "amd64", s.cache, s.options);
    REQUIRE(image);
    REQUIRE(oci::fetch_images({*image}, s.cache, s.options));
    for (const auto& blob : image->blobs) CHECK(cached(s.cache, blob.digest));
}

TEST_CASE("Bearer flow: 401 with a challenge then a token from the realm with Basic credentials",
          "[oci][registry][auth]") {
    Scene s;
    Registry registry(s.dir.path());
    registry.push(s.layout.dir, "multi", "team/multi:v1");
    RegistryFront front(script("registry_front.py"), s.dir.path(), registry,
                        {"--mode", "token", "--user", "tok-user", "--password", "tok-pass-5"});
    std::string reference = front.host() + "/team/multi:v1";

    auto refused = oci::resolve("app", reference, "amd64", s.cache, s.options);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Code::network);
    CHECK(refused.error().message.find("token service refused") != std::string::npos);

    s.docker_config(front.host(), "tok-user", "tok-pass-5");
    auto image = oci::resolve("app", reference, "amd64", s.cache, s.options);
    REQUIRE(image);
    check_same(*image, s.layout.locked("app", reference, "multi", amd64));
    REQUIRE(oci::fetch_images({*image}, s.cache, s.options));
    for (const auto& blob : image->blobs) CHECK(cached(s.cache, blob.digest));
    std::string log = test::read_file(front.log());
    CHECK(log.find("GET /token?") != std::string::npos);
    CHECK(log.find("tok-pass-5") == std::string::npos);
}

TEST_CASE("fetch_images brings every manifest and blob into the cache once",
          "[oci][registry][fetch]") {
    Scene s;
    auto registry = std::make_unique<Registry>(s.dir.path());
    for (const char* tag : {"single", "other", "multi"})
        registry->push(s.layout.dir, tag, std::string("team/") + tag + ":v1");
    std::vector<spec::LockedImage> images;
    std::set<std::string> expected;
    for (const char* tag : {"single", "other", "multi"}) {
        auto image = oci::resolve("g", registry->host() + "/team/" + tag + ":v1", "amd64", s.cache,
                                  s.options);
        REQUIRE(image);
        images.push_back(*image);
        expected.insert(image->top.digest);
        expected.insert(image->manifest.digest);
        for (const auto& blob : image->blobs) expected.insert(blob.digest);
    }
    // The manifests alone are in the cache after resolve; fetch_images finds them again by digest.
    std::filesystem::remove_all(s.cache.root() / "sha256");
    std::filesystem::create_directories(s.cache.root() / "sha256");
    REQUIRE(oci::fetch_images(images, s.cache, s.options));
    for (const std::string& digest : expected) CHECK(cached(s.cache, digest));
    CHECK(test::oci::cache_entries(s.cache) == expected.size());  // the shared layer once

    // Everything is cached now: a second run needs no registry at all.
    registry.reset();
    REQUIRE(oci::fetch_images(images, s.cache, s.options));
}

TEST_CASE("a mirror folder (file://) stands in for the registry", "[oci][registry][mirror]") {
    Scene s;
    // <mirror>/v2/<registry>/<repository>/manifests/<tag or digest> and blobs/sha256:<hex>
    std::filesystem::path repo = s.dir / "mirror" / "v2" / "registry.example.com" / "team" / "app";
    test::write_file(repo / "manifests" / "v1", s.layout.blob(s.layout.top("multi").digest));
    for (const std::string& digest : s.layout.all_digests()) {
        test::write_file(repo / "manifests" / digest, s.layout.blob(digest));
        test::write_file(repo / "blobs" / digest, s.layout.blob(digest));
    }
    auto mirror = fetch::Mirror::parse((s.dir / "mirror").string());
    REQUIRE(mirror);
    s.options.mirror = *mirror;
    std::string reference = "registry.example.com/team/app:v1";
    auto image = oci::resolve("app", reference, "arm64", s.cache, s.options);
    REQUIRE(image);
    check_same(*image, s.layout.locked("app", reference, "multi", arm64));
    REQUIRE(oci::fetch_images({*image}, s.cache, s.options));
    for (const auto& blob : image->blobs) CHECK(cached(s.cache, blob.digest));

    auto unknown =
        oci::resolve("app", "registry.example.com/team/app:v2", "arm64", s.cache, s.options);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == Code::invalid_input);
}

TEST_CASE("a mirror's password never appears in a registry error", "[oci][registry][mirror][security]") {
    Scene s;
    std::filesystem::create_directories(s.dir / "empty-mirror");
    test::Nginx nginx(s.dir / "empty-mirror", s.dir / "nginx");
    auto mirror = fetch::Mirror::parse("http://ci:s3cret@127.0.0.1:" + std::to_string(nginx.port()));
    REQUIRE(mirror);
    s.options.mirror = *mirror;
    auto missing = oci::resolve("app", "registry.example.com/team/app:v1", "amd64", s.cache, s.options);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Code::invalid_input);  // the mirror answered 404
    std::string text = missing.error().describe();
    CHECK(text.find("registry.example.com/team/app/manifests/v1") != std::string::npos);
    CHECK(text.find("s3cret") == std::string::npos);
    CHECK(text.find("ci:") == std::string::npos);
}
