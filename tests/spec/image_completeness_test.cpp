// The `completeness:` section of an image definition: what it accepts, and each mistake reported
// at its line.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "spec/image.h"

namespace fs = std::filesystem;
using bundle::Code;
using bundle::spec::CompletenessCheck;
using bundle::spec::parse_image;

namespace {

const fs::path definition = "images/demo.yaml";

// A valid definition with a chart and a manifest artifact, then `completeness` (from line 14).
std::string with_completeness(const std::string& section) {
    return "apiVersion: bundle/v1\n"
           "kind: Image\n"
           "name: demo\n"
           "version: 1\n"
           "arch: amd64\n"
           "artifacts:\n"
           "  - name: cilium\n"
           "    path: charts/cilium.tgz\n"
           "    dest: charts/cilium.tgz\n"
           "  - name: argocd-install\n"
           "    path: manifests/install.yaml\n"
           "    dest: manifests/install.yaml\n"
           "completeness:\n" +
           section;
}

std::string errors_of(const std::string& yaml) {
    auto image = parse_image(yaml, definition);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::invalid_input);
    return image.error().message;
}

}  // namespace

TEST_CASE("completeness entries are read in order, values anchored at the definition",
          "[spec][completeness]") {
    auto image = parse_image(with_completeness("  - chart: cilium\n"
                                               "    values: ../payload/cilium/values.yaml\n"
                                               "  - manifests: argocd-install\n"),
                             definition);
    REQUIRE(image);
    REQUIRE(image->completeness.size() == 2);
    const CompletenessCheck& chart = image->completeness[0];
    CHECK(chart.kind == CompletenessCheck::Kind::chart);
    CHECK(chart.artifact == "cilium");
    CHECK(chart.values == fs::path("payload/cilium/values.yaml"));
    CHECK(chart.where.line == 14);
    const CompletenessCheck& manifests = image->completeness[1];
    CHECK(manifests.kind == CompletenessCheck::Kind::manifests);
    CHECK(manifests.artifact == "argocd-install");
    CHECK_FALSE(manifests.values);
}

TEST_CASE("no completeness section, or an empty one, checks nothing", "[spec][completeness]") {
    auto empty = parse_image(with_completeness(""), definition);
    REQUIRE(empty);
    CHECK(empty->completeness.empty());
    auto none = parse_image(with_completeness("[]\n"), definition);
    REQUIRE(none);
    CHECK(none->completeness.empty());
}

TEST_CASE("a chart without values is checked with the chart's defaults", "[spec][completeness]") {
    auto image = parse_image(with_completeness("  - chart: cilium\n"), definition);
    REQUIRE(image);
    REQUIRE(image->completeness.size() == 1);
    CHECK_FALSE(image->completeness[0].values);
}

TEST_CASE("completeness mistakes are each reported at their line", "[spec][completeness]") {
    std::string message =
        errors_of(with_completeness("  - chart: cilum\n"               // 14
                                    "  - manifests: cilium\n"          // 15
                                    "    values: v.yaml\n"             // 16
                                    "  - chart: cilium\n"              // 17
                                    "    manifests: cilium\n"          // 18
                                    "  - values: v.yaml\n"             // 19
                                    "  - chart: cilium\n"              // 20
                                    "    image: x\n"                   // 21
                                    "  - manifests: argocd-install\n"  // 22
                                    "  - chart: argocd-install\n"));   // 23
    CHECK_THAT(message, Catch::Contains("demo.yaml:14:12: 'chart' names 'cilum', which is not an "
                                        "artifact of this definition"));
    CHECK_THAT(message, Catch::Contains("demo.yaml:16:13: 'values' goes with 'chart' only"));
    CHECK_THAT(message, Catch::Contains("demo.yaml:17:5: a completeness entry names either "
                                        "'chart' or 'manifests', not both"));
    CHECK_THAT(message, Catch::Contains("demo.yaml:19:5: a completeness entry needs 'chart' or "
                                        "'manifests'"));
    CHECK_THAT(message,
               Catch::Contains("demo.yaml:21:5: unknown key 'image' in completeness entry"));
    CHECK_THAT(message, Catch::Contains("demo.yaml:23:5: artifact 'argocd-install' is already "
                                        "checked for completeness (line 22)"));
}

TEST_CASE("completeness must be a sequence", "[spec][completeness]") {
    CHECK_THAT(errors_of(with_completeness("  chart: cilium\n")),
               Catch::Contains("completeness must be a sequence, found a mapping"));
}
