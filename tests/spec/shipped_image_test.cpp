// The shipped default image definition, images/ovh-ha3.yaml, parses and pins what the product
// needs, each through an upstream publication (a checksum file, the chart index, the lock),
// never through a digest typed into the repository. The payload's Cilium values it checks
// completeness with are read too.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "spec/image.h"
#include "spec/reference.h"

namespace fs = std::filesystem;
using bundle::spec::Artifact;
using bundle::spec::CompletenessCheck;
using bundle::spec::Image;
using bundle::spec::ImageGroup;

namespace {

const fs::path repository_root = fs::path(BUNDLE_TEST_DATA).parent_path().parent_path();
const fs::path shipped = repository_root / "images" / "ovh-ha3.yaml";

const Image& shipped_image() {
    static const Image image = [] {
        auto loaded = bundle::spec::load_image(shipped);
        if (!loaded)
            FAIL(loaded.error().describe());
        return *loaded;
    }();
    return image;
}

const Artifact& artifact(const std::string& name) {
    const auto& artifacts = shipped_image().artifacts;
    auto it = std::find_if(artifacts.begin(), artifacts.end(),
                           [&](const Artifact& a) { return a.name == name; });
    if (it == artifacts.end())
        FAIL("no artifact " << name);
    return *it;
}

const ImageGroup& group(const std::string& name) {
    const auto& groups = shipped_image().images;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const ImageGroup& g) { return g.name == name; });
    if (it == groups.end())
        FAIL("no image group " << name);
    return *it;
}

// "registry/repository" of every reference of a group.
std::set<std::string> repositories(const ImageGroup& g) {
    std::set<std::string> out;
    for (const std::string& text : g.references) {
        auto reference = bundle::spec::parse_image_reference(text);
        REQUIRE(reference);
        out.insert(reference->registry + "/" + reference->repository);
    }
    return out;
}

std::string tag_of(const ImageGroup& g, const std::string& repository) {
    for (const std::string& text : g.references) {
        auto reference = bundle::spec::parse_image_reference(text);
        REQUIRE(reference);
        if (reference->registry + "/" + reference->repository == repository)
            return reference->tag.value_or("");
    }
    FAIL("no " << repository);
    return "";
}

// The release directory of a K3s asset URL: everything up to the last '/'.
std::string folder_of(const std::string& url) {
    return url.substr(0, url.rfind('/') + 1);
}

}  // namespace

TEST_CASE("the shipped image parses and names itself", "[spec][shipped]") {
    const Image& image = shipped_image();
    CHECK(image.name == "ovh-ha3");
    CHECK(image.arch == "amd64");
    CHECK(image.version >= 1);
    REQUIRE(image.payload);
    CHECK(*image.payload == repository_root / "payload");
}

TEST_CASE("K3s comes from one release, pinned by its checksum files", "[spec][shipped]") {
    const Artifact& k3s = artifact("k3s");
    const Artifact& airgap = artifact("k3s-airgap-images");
    REQUIRE(k3s.url);
    REQUIRE(airgap.url);
    const std::string release = folder_of(*k3s.url);
    CHECK(release.starts_with("https://github.com/k3s-io/k3s/releases/download/v1.36."));
    CHECK(release.find("%2Bk3s") != std::string::npos);  // '+' is written %2B
    CHECK(release.find('+') == std::string::npos);
    CHECK(*k3s.url == release + "k3s");
    CHECK(*airgap.url == release + "k3s-airgap-images-amd64.tar.zst");
    CHECK(k3s.checksums == release + "sha256sum-amd64.txt");
    CHECK(airgap.checksums == release + "sha256sum-amd64.txt");
    CHECK(k3s.dest == "k3s/k3s");
    CHECK(k3s.mode == 0755);
    CHECK(airgap.dest == "k3s/images/k3s-airgap-images-amd64.tar.zst");

    // The install script of the same tag, pinned by the checksum file kept beside it.
    const Artifact& install = artifact("k3s-install");
    REQUIRE(install.url);
    const std::string tag = release.substr(release.find("/download/") + 10);  // "v1.36.x%2Bk3s1/"
    CHECK(*install.url == "https://raw.githubusercontent.com/k3s-io/k3s/" + tag + "install.sh");
    CHECK(install.checksums ==
          "https://raw.githubusercontent.com/k3s-io/k3s/" + tag + "install.sh.sha256sum");
    CHECK(install.dest == "k3s/install.sh");
    CHECK(install.mode == 0755);
}

TEST_CASE("no pin of the shipped image is typed in", "[spec][shipped][security]") {
    for (const Artifact& a : shipped_image().artifacts) {
        INFO(a.name);
        CHECK_FALSE(a.sha256);
        if (a.url)
            CHECK((a.checksums.has_value() || a.trust_on_first_use));
    }
    for (const ImageGroup& g : shipped_image().images) {
        for (const std::string& text : g.references) {
            INFO(text);
            auto reference = bundle::spec::parse_image_reference(text);
            REQUIRE(reference);
            CHECK(reference->tag);
            CHECK_FALSE(reference->digest);  // digests come from the registry, into the lock
        }
    }
}

TEST_CASE("the Cilium chart and the images it deploys are pinned together", "[spec][shipped]") {
    const Artifact& chart = artifact("cilium");
    REQUIRE(chart.helm);
    CHECK(chart.helm->repository == "https://helm.cilium.io/");
    CHECK(chart.helm->chart == "cilium");
    CHECK(chart.helm->version.starts_with("1.18."));
    CHECK(chart.dest == "charts/cilium-" + chart.helm->version + ".tgz");

    const ImageGroup& cilium = group("cilium");
    CHECK(repositories(cilium) == std::set<std::string>{
                                      "quay.io/cilium/cilium",
                                      "quay.io/cilium/operator-generic",
                                      "quay.io/cilium/cilium-envoy",
                                      "quay.io/cilium/hubble-relay",
                                      "quay.io/cilium/hubble-ui",
                                      "quay.io/cilium/hubble-ui-backend",
                                  });
    const std::string version = "v" + chart.helm->version;
    CHECK(tag_of(cilium, "quay.io/cilium/cilium") == version);
    CHECK(tag_of(cilium, "quay.io/cilium/operator-generic") == version);
    CHECK(tag_of(cilium, "quay.io/cilium/hubble-relay") == version);
    CHECK(tag_of(cilium, "quay.io/cilium/hubble-ui") ==
          tag_of(cilium, "quay.io/cilium/hubble-ui-backend"));
}

TEST_CASE("Argo CD's manifest and its images come from one release", "[spec][shipped]") {
    const Artifact& manifest = artifact("argocd-install");
    REQUIRE(manifest.url);
    const std::string prefix = "https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.";
    REQUIRE(manifest.url->starts_with(prefix));
    CHECK(manifest.url->ends_with("/manifests/install.yaml"));
    CHECK(manifest.trust_on_first_use);  // Argo CD publishes no checksum for install.yaml
    const std::string rest = manifest.url->substr(prefix.size());
    const std::string version = "v3.5." + rest.substr(0, rest.find('/'));
    const ImageGroup& argocd = group("argocd");
    CHECK(repositories(argocd) == std::set<std::string>{
                                      "quay.io/argoproj/argocd",
                                      "ghcr.io/dexidp/dex",
                                      "public.ecr.aws/docker/library/redis",
                                  });
    CHECK(tag_of(argocd, "quay.io/argoproj/argocd") == version);
}

TEST_CASE("the node agent and the payload come from this repository", "[spec][shipped]") {
    const Artifact& agent = artifact("node-agent");
    REQUIRE(agent.source);
    CHECK(*agent.source == repository_root / "build" / "release" / "builder" / "bundle");
    CHECK(agent.dest == "bin/bundle");
    CHECK(agent.mode == 0755);
}

TEST_CASE("the gate checks Cilium with the payload's values and Argo CD's manifest",
          "[spec][shipped]") {
    const auto& checks = shipped_image().completeness;
    REQUIRE(checks.size() == 2);
    CHECK(checks[0].kind == CompletenessCheck::Kind::chart);
    CHECK(checks[0].artifact == "cilium");
    CHECK(checks[0].values == repository_root / "payload" / "cilium" / "values.yaml");
    CHECK(checks[1].kind == CompletenessCheck::Kind::manifests);
    CHECK(checks[1].artifact == "argocd-install");
}

TEST_CASE("the payload's Cilium values fit K3s and the mesh", "[spec][shipped]") {
    const YAML::Node values =
        YAML::LoadFile((repository_root / "payload" / "cilium" / "values.yaml").string());
    CHECK(values["kubeProxyReplacement"].as<bool>());
    CHECK(values["k8sServiceHost"].as<std::string>() == "127.0.0.1");
    CHECK(values["k8sServicePort"].as<int>() == 6443);
    CHECK(values["ipam"]["mode"].as<std::string>() == "kubernetes");
    CHECK(values["routingMode"].as<std::string>() == "tunnel");
    CHECK(values["operator"]["replicas"].as<int>() == 2);
    CHECK(values["envoy"]["enabled"].as<bool>());
    CHECK(values["hubble"]["enabled"].as<bool>());
    CHECK(values["hubble"]["relay"]["enabled"].as<bool>());
    CHECK(values["hubble"]["ui"]["enabled"].as<bool>());
    // Helm-made Hubble certificates: no certgen CronJob, so no certgen image to carry.
    CHECK(values["hubble"]["tls"]["auto"]["method"].as<std::string>() == "helm");
}
