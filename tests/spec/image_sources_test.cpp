// The download forms of an artifact (url, helm, pins) and the `images:` groups of image.h.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "spec/image.h"

namespace fs = std::filesystem;
using bundle::Code;
using bundle::spec::load_image;
using bundle::spec::parse_image;

namespace {

const std::string demo = "images/demo.yaml";
const std::string hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string errors_of(std::string_view yaml) {
    auto image = parse_image(yaml, demo);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::invalid_input);
    return image.error().message;
}

const std::string head =
    "apiVersion: bundle/v1\nkind: Image\nname: demo\nversion: 1\narch: amd64\n";

// Artifacts from line 7 on.
std::string with_artifacts(const std::string& lines) {
    return head + "artifacts:\n" + lines;
}

// Image groups from line 7 on (`images:` is line 6).
std::string with_images(const std::string& lines) {
    return head + "images:\n" + lines;
}

}  // namespace

TEST_CASE("every artifact form and image groups are read with exact values", "[spec][sources]") {
    const fs::path file = fs::path(BUNDLE_TEST_DATA) / "spec" / "downloads.yaml";
    auto image = load_image(file);
    REQUIRE(image);
    REQUIRE(image->artifacts.size() == 5);
    const auto& k3s = image->artifacts[0];
    CHECK_FALSE(k3s.source);
    CHECK(k3s.url == "https://downloads.example.org/k3s/releases/download/v1.33.4%2Bk3s1/k3s");
    CHECK(k3s.checksums ==
          "https://downloads.example.org/k3s/releases/download/v1.33.4%2Bk3s1/sha256sum-amd64.txt");
    CHECK_FALSE(k3s.sha256);
    CHECK_FALSE(k3s.trust_on_first_use);
    CHECK_FALSE(k3s.helm);
    CHECK(k3s.mode == 0755);
    const auto& install = image->artifacts[1];
    CHECK(install.url == "https://get.example.org/");
    CHECK(install.trust_on_first_use);
    CHECK_FALSE(install.checksums);
    const auto& tool = image->artifacts[2];
    CHECK(tool.url == "http://127.0.0.1:8080/tool");
    CHECK(tool.sha256 == hex);
    const auto& cilium = image->artifacts[3];
    REQUIRE(cilium.helm);
    CHECK(cilium.helm->repository == "https://charts.example.org/");
    CHECK(cilium.helm->chart == "cilium");
    CHECK(cilium.helm->version == "1.18.4");
    CHECK_FALSE(cilium.url);
    CHECK_FALSE(cilium.source);
    CHECK(image->artifacts[4].source == file.parent_path() / "files" / "local.bin");

    REQUIRE(image->images.size() == 2);
    const auto& group = image->images[0];
    CHECK(group.name == "cilium");
    CHECK(group.where.line == 27);
    CHECK(group.where.column == 3);
    REQUIRE(group.references.size() == 2);
    CHECK(group.references[0] == "registry.example.org/cilium/cilium:v1.18.4");
    REQUIRE(group.reference_at.size() == 2);
    CHECK(group.reference_at[1].line == 29);
    CHECK(group.reference_at[1].column == 7);
    CHECK(image->images[1].name == "argocd");
    CHECK(image->images[1].references ==
          std::vector<std::string>{"registry.example.org/dexidp/dex:v2.43.1", "redis:7.2"});
}

TEST_CASE("an artifact needs exactly one of path, url and helm", "[spec][sources][errors]") {
    CHECK(errors_of(with_artifacts("  - name: a\n    dest: a\n")) ==
          "images/demo.yaml:7:5: artifact needs one of 'path', 'url' or 'helm'");
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    url: https://h/a\n"
                                   "    dest: a\n")) ==
          "images/demo.yaml:9:5: 'url' conflicts with 'path' (line 8); an artifact has exactly "
          "one of path, url and helm");
    CHECK(errors_of(with_artifacts("  - name: a\n    helm: {repository: https://h/, chart: c, "
                                   "version: 1.0.0}\n    dest: a\n    url: https://h/a\n"
                                   "    path: a\n")) ==
          "images/demo.yaml:10:5: 'url' conflicts with 'helm' (line 8); an artifact has exactly "
          "one of path, url and helm\n"
          "images/demo.yaml:11:5: 'path' conflicts with 'helm' (line 8); an artifact has exactly "
          "one of path, url and helm");
}

TEST_CASE("a url must be http or https with a host and no credentials", "[spec][sources][errors]") {
    auto [url, reason] = GENERATE(table<std::string, std::string>({
        {"ftp://h/a", "a URL must start with http:// or https://"},
        {"HTTPS://h/a", "a URL must start with http:// or https://"},
        {"h/a", "a URL must start with http:// or https://"},
        {"https:///a", "a URL must name a host"},
        {"https://", "a URL must name a host"},
        {"https://:80/a", "a URL must name a host"},
        {"https://h:port/a", "a URL's port must be a number"},
        {"https://user:pw@h/a", "a URL must not carry credentials (user@ or user:password@)"},
        {"'https://h/a b'", "a URL must be printable ASCII without spaces"},
    }));
    std::string shown = url.front() == '\'' ? url : "'" + url + "'";
    CHECK(errors_of(with_artifacts("  - name: a\n    url: " + url +
                                   "\n    trust: first-use\n    dest: a\n")) ==
          "images/demo.yaml:8:10: 'url' " + shown + " is not usable: " + reason);
}

TEST_CASE("valid urls are accepted", "[spec][sources]") {
    auto url = GENERATE(as<std::string>{}, "http://h", "https://h/", "https://h:8443/a?b=c#d",
                        "http://[::1]:8080/x", "https://a.b.c/%2B/x");
    CHECK(parse_image(
        with_artifacts("  - name: a\n    url: " + url + "\n    trust: first-use\n    dest: a\n"),
        demo));
}

TEST_CASE("a url artifact needs exactly one pin", "[spec][sources][errors]") {
    CHECK(errors_of(with_artifacts("  - name: a\n    url: https://h/a\n    dest: a\n")) ==
          "images/demo.yaml:7:5: artifact 'a' downloads a url and needs a pin: 'sha256', "
          "'checksums' or 'trust: first-use'");
    CHECK(errors_of(with_artifacts("  - name: a\n    url: https://h/a\n    dest: a\n"
                                   "    checksums: https://h/SHA256SUMS\n"
                                   "    sha256: " +
                                   hex + "\n    trust: first-use\n")) ==
          "images/demo.yaml:11:5: 'sha256' conflicts with 'checksums' (line 10); a url artifact "
          "takes exactly one of sha256, checksums and trust\n"
          "images/demo.yaml:12:5: 'trust' conflicts with 'checksums' (line 10); a url artifact "
          "takes exactly one of sha256, checksums and trust");
}

TEST_CASE("trust takes only 'first-use'", "[spec][sources][errors]") {
    CHECK(errors_of(with_artifacts("  - name: a\n    url: https://h/a\n    dest: a\n"
                                   "    trust: yes\n")) ==
          "images/demo.yaml:10:12: trust must be 'first-use' (the only way to trust), found "
          "'yes'");
}

TEST_CASE("checksums is an http(s) url and the url must end in a file name",
          "[spec][sources][errors]") {
    CHECK(errors_of(with_artifacts("  - name: a\n    url: https://h/a\n    dest: a\n"
                                   "    checksums: sha256sum.txt\n")) ==
          "images/demo.yaml:10:16: 'checksums' 'sha256sum.txt' is not usable: a URL must start "
          "with http:// or https://");
    CHECK(errors_of(with_artifacts("  - name: a\n    url: https://h/dir/\n    dest: a\n"
                                   "    checksums: https://h/SHA256SUMS\n")) ==
          "images/demo.yaml:8:10: url 'https://h/dir/' does not end in a file name to look up "
          "in the checksums file");
    CHECK(errors_of(with_artifacts("  - name: a\n    url: https://h\n    dest: a\n"
                                   "    checksums: https://h/SHA256SUMS\n")) ==
          "images/demo.yaml:8:10: url 'https://h' does not end in a file name to look up "
          "in the checksums file");
}

TEST_CASE("a path artifact may carry sha256 but no other pin", "[spec][sources][errors]") {
    CHECK(parse_image(
        with_artifacts("  - name: a\n    path: a\n    dest: a\n    sha256: " + hex + "\n"), demo));
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: a\n"
                                   "    checksums: https://h/SUMS\n    trust: first-use\n")) ==
          "images/demo.yaml:10:5: 'checksums' is only for url artifacts; a 'path' artifact may "
          "carry a sha256 pin\n"
          "images/demo.yaml:11:5: 'trust' is only for url artifacts; a 'path' artifact may carry "
          "a sha256 pin");
}

TEST_CASE("a helm artifact takes no other pin", "[spec][sources][errors]") {
    const std::string helm =
        "  - name: c\n    helm: {repository: https://h/, chart: c, "
        "version: 1.0.0}\n    dest: c.tgz\n";
    CHECK(parse_image(with_artifacts(helm), demo));
    CHECK(errors_of(with_artifacts(helm + "    sha256: " + hex + "\n    trust: first-use\n")) ==
          "images/demo.yaml:10:5: 'sha256' is not allowed with 'helm': a chart's pin is the "
          "digest in its repository's index\n"
          "images/demo.yaml:11:5: 'trust' is not allowed with 'helm': a chart's pin is the "
          "digest in its repository's index");
}

TEST_CASE("helm needs repository, chart and version, each checked", "[spec][sources][errors]") {
    CHECK(errors_of(with_artifacts("  - name: c\n    helm: {chart: c, colour: red}\n"
                                   "    dest: c.tgz\n")) ==
          "images/demo.yaml:8:11: missing required key 'repository' in helm\n"
          "images/demo.yaml:8:11: missing required key 'version' in helm\n"
          "images/demo.yaml:8:22: unknown key 'colour' in helm (expected one of: repository, "
          "chart, version)");
    CHECK(errors_of(with_artifacts("  - name: c\n    helm:\n      repository: oci://h/charts\n"
                                   "      chart: Cilium\n      version: 1 2\n"
                                   "    dest: c.tgz\n")) ==
          "images/demo.yaml:9:19: 'repository' 'oci://h/charts' is not usable: a URL must start "
          "with http:// or https://\n"
          "images/demo.yaml:10:14: chart must match [a-z0-9][a-z0-9._-]*, found 'Cilium'\n"
          "images/demo.yaml:11:16: version must be a chart version such as '1.18.4', found "
          "'1 2'");
    CHECK(errors_of(with_artifacts("  - name: c\n    helm:\n    dest: c.tgz\n")) ==
          "images/demo.yaml:8:5: 'helm' has no value");
    CHECK(errors_of(with_artifacts("  - name: c\n    helm: cilium\n    dest: c.tgz\n")) ==
          "images/demo.yaml:8:11: helm must be a mapping, found a scalar");
}

TEST_CASE("image groups are read in order with references as written", "[spec][sources]") {
    auto image = parse_image(with_images("  b:\n    - nginx:1\n  a:\n    - nginx:1\n"), demo);
    REQUIRE(image);
    REQUIRE(image->images.size() == 2);
    CHECK(image->images[0].name == "b");
    CHECK(image->images[1].name == "a");
    CHECK(image->images[1].references == std::vector<std::string>{"nginx:1"});
    CHECK(image->images[1].where.line == 9);
    auto none = parse_image(head + "images:\n", demo);
    REQUIRE(none);
    CHECK(none->images.empty());
}

TEST_CASE("image groups: names, duplicates, emptiness and types", "[spec][sources][errors]") {
    CHECK(errors_of(with_images("  Cilium:\n    - nginx:1\n")) ==
          "images/demo.yaml:7:3: image group name must match [a-z0-9][a-z0-9._-]*, found "
          "'Cilium'");
    CHECK(errors_of(with_images("  a:\n    - nginx:1\n  a:\n    - redis:7\n")) ==
          "images/demo.yaml:9:3: duplicate image group 'a' (first at line 7)");
    CHECK(errors_of(with_images("  a:\n  b: []\n")) ==
          "images/demo.yaml:7:3: image group 'a' is empty; list at least one image reference\n"
          "images/demo.yaml:8:3: image group 'b' is empty; list at least one image reference");
    CHECK(errors_of(with_images("  a: nginx:1\n")) ==
          "images/demo.yaml:7:6: image group 'a' must be a sequence of image references, found "
          "a scalar");
    CHECK(errors_of(with_images("  a:\n    - {x: 1}\n")) ==
          "images/demo.yaml:8:7: an image reference must be a scalar, found a mapping");
    CHECK(errors_of(head + "images:\n  - nginx:1\n") ==
          "images/demo.yaml:7:3: images must be a mapping of group name to image references, "
          "found a sequence");
    CHECK(errors_of(with_images("  [a]: [nginx:1]\n")) ==
          "images/demo.yaml:7:3: an image group name must be a scalar, found a sequence");
    const std::string long_name(250, 'g');
    CHECK_THAT(errors_of(with_images("  " + long_name + ":\n    - nginx:1\n")),
               Catch::StartsWith("images/demo.yaml:7:3: image group name '" + std::string(64, 'g') +
                                 "...' gives the archive"));
}

TEST_CASE("image references are checked and unique within a group after normalisation",
          "[spec][sources][errors]") {
    CHECK(errors_of(with_images("  a:\n    - nginx\n    - quay.io/Cilium:1\n")) ==
          "images/demo.yaml:8:7: invalid image reference 'nginx': it has neither a tag nor a "
          "digest (a pin that moves is no pin; write :tag or @sha256:...)\n"
          "images/demo.yaml:9:7: invalid image reference 'quay.io/Cilium:1': the "
          "repository component 'Cilium' must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*");
    CHECK(errors_of(with_images("  a:\n    - nginx:1\n    - docker.io/library/nginx:1\n")) ==
          "images/demo.yaml:9:7: duplicate image 'docker.io/library/nginx:1' in group 'a' "
          "(first at line 8)");
    // The same reference in two groups is two archives' business, not an error here.
    CHECK(parse_image(with_images("  a:\n    - nginx:1\n  b:\n    - nginx:1\n"), demo));
}

TEST_CASE("an artifact dest may not collide with a group's archive", "[spec][sources][errors]") {
    const std::string groups = "images:\n  cilium:\n    - registry.example.org/cilium/cilium:v1\n";
    auto artifact = [](const std::string& dest) {
        return "  - name: a\n    path: a\n    dest: " + dest + "\n";
    };
    CHECK(errors_of(with_artifacts(artifact("images/cilium.oci.tar")) + groups) ==
          "images/demo.yaml:9:11: dest 'images/cilium.oci.tar' is the archive "
          "'images/cilium.oci.tar' that the build writes for image group 'cilium' (line 11)");
    CHECK(errors_of(with_artifacts(artifact("images/cilium.oci.tar/x")) + groups) ==
          "images/demo.yaml:9:11: dest 'images/cilium.oci.tar/x' is inside the archive "
          "'images/cilium.oci.tar' that the build writes for image group 'cilium' (line 11)");
    CHECK(errors_of(with_artifacts(artifact("images")) + groups) ==
          "images/demo.yaml:9:11: dest 'images' is a folder of the archive "
          "'images/cilium.oci.tar' that the build writes for image group 'cilium' (line 11)");
    // Beside the archive is fine, and so is the same name without the group.
    CHECK(parse_image(with_artifacts(artifact("images/other.oci.tar")) + groups, demo));
    CHECK(parse_image(with_artifacts(artifact("images/cilium.oci.tar")), demo));
}
