#include "spec/helm_index.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

using bundle::Code;
using bundle::spec::find_chart;
using bundle::spec::HelmChart;

namespace {

const std::string index_url = "https://charts.example.org/index.yaml";

std::string fixture() {
    std::ifstream in(std::string(BUNDLE_TEST_DATA) + "/spec/helm-index.yaml", std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string error_of(std::string_view text, const std::string& chart, const std::string& version) {
    auto entry = find_chart(text, HelmChart{"https://charts.example.org/", chart, version}, index_url);
    REQUIRE_FALSE(entry);
    CHECK(entry.error().code == Code::invalid_input);
    CHECK(entry.error().where == index_url);
    return entry.error().message;
}

}  // namespace

TEST_CASE("a chart version is found with its first url resolved and its digest", "[spec][helm]") {
    auto entry =
        find_chart(fixture(), HelmChart{"https://charts.example.org/", "cilium", "1.18.4"}, index_url);
    REQUIRE(entry);
    CHECK(entry->url == "https://charts.example.org/cilium-1.18.4.tgz");
    CHECK(entry->sha256 == std::string(64, '2'));  // not the maintainers' nested "version"
}

TEST_CASE("absolute, root-relative and scheme-relative chart urls", "[spec][helm]") {
    auto [version, url, digit] = GENERATE(table<std::string, std::string, char>({
        {"1.18.3", "https://charts.example.org/charts/cilium-1.18.3.tgz", '3'},  // "sha256:" prefix
        {"1.2.0", "https://cdn.example/cilium-1.2.0.tgz", '6'},
    }));
    auto entry =
        find_chart(fixture(), HelmChart{"https://charts.example.org/", "cilium", version}, index_url);
    REQUIRE(entry);
    CHECK(entry->url == url);
    CHECK(entry->sha256 == std::string(64, digit));
    auto argo =
        find_chart(fixture(), HelmChart{"https://argoproj.github.io/argo-helm", "argo-cd", "8.0.0"},
                   "https://argoproj.github.io/argo-helm/index.yaml");
    REQUIRE(argo);
    CHECK(
        argo->url ==
        "https://downloads.example.org/argo-helm/releases/download/argo-cd-8.0.0/argo-cd-8.0.0.tgz");
}

TEST_CASE("a relative url is resolved against the index's folder", "[spec][helm]") {
    const std::string text =
        "entries:\n  c:\n    - version: 1.0.0\n      digest: " + std::string(64, 'a') +
        "\n      urls: [c-1.0.0.tgz]\n";
    auto entry = find_chart(text, HelmChart{"http://127.0.0.1:8080/charts/", "c", "1.0.0"},
                            "http://127.0.0.1:8080/charts/index.yaml");
    REQUIRE(entry);
    CHECK(entry->url == "http://127.0.0.1:8080/charts/c-1.0.0.tgz");
}

TEST_CASE("a missing version lists the nearby versions", "[spec][helm][errors]") {
    CHECK(
        error_of(fixture(), "cilium", "1.18.0") ==
        "chart 'cilium' has no version '1.18.0' (nearby versions: 1.10.0, 1.16.0, 1.17.9, 1.18.3, "
        "1.18.4)");
    CHECK(error_of(fixture(), "cilium", "1.11.0") ==
          "chart 'cilium' has no version '1.11.0' (nearby versions: 1.2.0, 1.9.0, 1.10.0, "
          "1.16.0, 1.17.9, 1.18.3)");
    CHECK(error_of(fixture(), "tetragon", "1.0.0") ==
          "chart 'tetragon' has no version '1.0.0' (it lists no versions)");
}

TEST_CASE("a missing chart names nearby charts", "[spec][helm][errors]") {
    CHECK(error_of(fixture(), "cillium", "1.18.4") ==
          "the repository has no chart 'cillium' (nearby names: argo-cd, cilium, tetragon)");
    CHECK(error_of("entries: {}\n", "c", "1") ==
          "the repository has no chart 'c' (it lists no "
          "charts)");
}

TEST_CASE("an entry without a usable digest or url is refused", "[spec][helm][errors]") {
    CHECK(error_of(fixture(), "cilium", "1.17.9") ==
          "chart 'cilium' version '1.17.9' (line 26) has no digest, so it cannot be pinned");
    CHECK(error_of(fixture(), "cilium", "1.16.0") ==
          "chart 'cilium' version '1.16.0' (line 28) lists no URL");
    CHECK(error_of(fixture(), "cilium", "1.9.0") ==
          "chart 'cilium' version '1.9.0' (line 34) has the URL 'oci://ghcr.io/cilium/cilium': "
          "a URL must start with http:// or https://");
    CHECK(error_of("entries:\n  c:\n    - {version: 1, digest: abc, urls: [x]}\n", "c", "1") ==
          "chart 'c' version '1' (line 3) has a digest that is not SHA-256 hex: 'abc'");
}

TEST_CASE("the same version twice with different digests is refused", "[spec][helm][errors]") {
    const std::string text = "entries:\n  c:\n    - {version: 1, digest: " + std::string(64, 'a') +
                             ", urls: [x]}\n    - {version: 1, digest: " + std::string(64, 'b') +
                             ", urls: [x]}\n";
    CHECK(error_of(text, "c", "1") ==
          "chart 'c' version '1' is listed twice with different digests (lines 3 and 4)");
}

TEST_CASE("not an index, or not YAML", "[spec][helm][errors]") {
    CHECK(error_of("apiVersion: v1\n", "c", "1") ==
          "not a Helm repository index: no 'entries' mapping");
    CHECK(error_of("- a\n", "c", "1") == "not a Helm repository index: no 'entries' mapping");
    CHECK(error_of("entries: [\n", "c", "1") ==
          "line 2 column 1: YAML syntax error: end of sequence flow not found");
    CHECK(error_of("", "c", "1") == "not a Helm repository index: no 'entries' mapping");
    CHECK(error_of(",", "c", "1") == "not a Helm repository index: no 'entries' mapping");
}

TEST_CASE("a large index is read without building a node tree", "[spec][helm]") {
    std::string text = "apiVersion: v1\nentries:\n";
    for (int chart = 0; chart < 200; ++chart) {
        text += "  chart" + std::to_string(chart) + ":\n";
        for (int version = 0; version < 100; ++version) {
            text += "    - version: 1." + std::to_string(version) +
                    ".0\n      digest: " + std::string(64, 'a') +
                    "\n      urls: [https://h/c.tgz]\n      description: " + std::string(100, 'd') +
                    "\n";
        }
    }
    REQUIRE(text.size() > 3 * 1024 * 1024);
    auto entry =
        find_chart(text, HelmChart{"https://h/", "chart199", "1.99.0"}, "https://h/index.yaml");
    REQUIRE(entry);
    CHECK(entry->url == "https://h/c.tgz");
}
