#include "oci/manifest.h"

#include <catch2/catch.hpp>

#include "oci/media_types.h"
#include "oci/platform.h"

using namespace bundle;
using namespace bundle::oci;

namespace {

std::string digest(char c) {
    return "sha256:" + std::string(64, c);
}

std::string entry(char c, const std::string& platform, const std::string& extra = "") {
    return R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest(c) +
           R"(","size":10,"platform":)" + platform + extra + "}";
}

std::string index_of(const std::vector<std::string>& entries) {
    std::string list;
    for (const auto& e : entries) list += (list.empty() ? "" : ",") + e;
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)" +
           list + "]}";
}

const std::string amd64 = R"({"os":"linux","architecture":"amd64"})";
const std::string arm64_v8 = R"({"os":"linux","architecture":"arm64","variant":"v8"})";
const std::string arm64 = R"({"os":"linux","architecture":"arm64"})";
const std::string unknown = R"({"os":"unknown","architecture":"unknown"})";

}  // namespace

TEST_CASE("an OCI index is parsed with platforms and annotations", "[oci][manifest]") {
    auto doc = parse_manifest_document(
        index_of({entry('a', amd64),
                  entry('b', unknown,
                        R"(,"annotations":{"vnd.docker.reference.type":"attestation-manifest"})")}),
        "", "ref");
    REQUIRE(doc);
    CHECK(doc->is_index);
    CHECK(doc->media_type == media_type::oci_index);
    REQUIRE(doc->index.manifests.size() == 2);
    CHECK(doc->index.manifests[0].platform.architecture == "amd64");
    CHECK(doc->index.manifests[0].descriptor.digest == digest('a'));
    CHECK(is_attestation(doc->index.manifests[1]));
}

TEST_CASE("a Docker v2 manifest is parsed with config first and then layers", "[oci][manifest]") {
    std::string text =
        R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
        R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7,"digest":")" +
        digest('c') + R"("},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":5,"digest":")" + digest('d') +
        R"("}]})";
    auto doc = parse_manifest_document(text, "", "ref");
    REQUIRE(doc);
    CHECK_FALSE(doc->is_index);
    CHECK(doc->manifest.config.digest == digest('c'));
    CHECK(doc->manifest.config.size == 7);
    REQUIRE(doc->manifest.layers.size() == 1);
    CHECK(doc->manifest.layers[0].digest == digest('d'));
}

// The lock records every blob's media type and its parser refuses one that is missing or not
// type/subtype: `bundle lock` used to write such a lock, which `--locked` then could not read.
TEST_CASE("a config or layer without a usable mediaType is refused before it reaches the lock",
          "[oci][manifest][lock]") {
    auto manifest = [](const std::string& layer_type) {
        return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
               R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":7,"digest":")" +
               digest('c') + R"("},"layers":[{)" + layer_type + R"("size":5,"digest":")" + digest('d') +
               R"("}]})";
    };
    CHECK(parse_manifest_document(manifest(R"("mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"),
                                  "", "ref"));
    for (const std::string& layer_type : {std::string(), std::string(R"("mediaType":"x",)"),
                                          std::string(R"("mediaType":"a/b c",)")}) {
        auto doc = parse_manifest_document(manifest(layer_type), "", "quay.io/x/y:1");
        REQUIRE_FALSE(doc);
        CHECK(doc.error().code == Code::invalid_input);
        CHECK(doc.error().message.find("layers[0]") != std::string::npos);
    }
}

TEST_CASE("without mediaType the Content-Type or the shape decides", "[oci][manifest]") {
    std::string text = R"({"schemaVersion":2,"manifests":[]})";
    auto by_header = parse_manifest_document(
        text, "application/vnd.docker.distribution.manifest.list.v2+json; x=1", "r");
    REQUIRE(by_header);
    CHECK(by_header->media_type == media_type::docker_list);
    auto by_shape = parse_manifest_document(text, "text/plain", "r");
    REQUIRE(by_shape);
    CHECK(by_shape->media_type == media_type::oci_index);
}

TEST_CASE("malformed manifests are invalid input naming the reference", "[oci][manifest]") {
    for (
        const std::string& text :
        {std::string("not json"), std::string("[]"),
         std::string(R"({"schemaVersion":1,"fsLayers":[]})"),
         std::string(
             R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]})"),
         index_of({R"({"digest":"sha256:abc","size":1})"}),
         index_of({R"({"digest":"sha512:)" + std::string(128, 'a') + R"(","size":1})"}),
         index_of({R"({"digest":")" + digest('A') + R"(","size":1})"}),
         index_of({R"({"digest":")" + digest('a') + R"(","size":-1})"}),
         index_of({R"({"digest":")" + digest('a') + R"(","size":"1"})"}),
         std::string(R"({"schemaVersion":2,"mediaType":"text/html"})"), std::string(100, '[')}) {
        auto doc = parse_manifest_document(text, "", "quay.io/x/y:1");
        REQUIRE_FALSE(doc);
        CHECK(doc.error().code == Code::invalid_input);
        CHECK(doc.error().where == "quay.io/x/y:1");
    }
}

TEST_CASE("the platform is linux/<arch> with attestations skipped and v8 preferred for arm64",
          "[oci][platform]") {
    auto doc = parse_manifest_document(
        index_of({entry('e', unknown), entry('a', amd64), entry('b', arm64), entry('c', arm64_v8)}),
        "", "r");
    REQUIRE(doc);
    auto chosen = choose_platform(doc->index, "amd64", "r");
    REQUIRE(chosen);
    CHECK(chosen->descriptor.digest == digest('a'));
    chosen = choose_platform(doc->index, "arm64", "r");
    REQUIRE(chosen);
    CHECK(chosen->descriptor.digest == digest('c'));
}

TEST_CASE("an attestation is never chosen even one that claims linux/amd64", "[oci][platform]") {
    auto doc = parse_manifest_document(
        index_of({entry('f', amd64,
                        R"(,"annotations":{"vnd.docker.reference.type":"attestation-manifest"})")}),
        "", "r");
    REQUIRE(doc);
    auto chosen = choose_platform(doc->index, "amd64", "r");
    REQUIRE_FALSE(chosen);
}

TEST_CASE("an unknown platform is an error listing what the index offers", "[oci][platform]") {
    auto doc = parse_manifest_document(
        index_of({entry('a', amd64), entry('c', arm64_v8), entry('e', unknown)}), "", "r");
    REQUIRE(doc);
    auto chosen = choose_platform(doc->index, "riscv64", "example.com/a:1");
    REQUIRE_FALSE(chosen);
    CHECK(chosen.error().code == Code::invalid_input);
    CHECK(chosen.error().where == "example.com/a:1");
    CHECK(chosen.error().message.find("linux/riscv64") != std::string::npos);
    CHECK(chosen.error().message.find("linux/amd64, linux/arm64/v8") != std::string::npos);
    CHECK(chosen.error().message.find("unknown") == std::string::npos);
}
