// The completeness gate (build/completeness.h) over a stand-in Cilium chart and a stand-in
// manifest, both written by this test. The stand-in chart's values.yaml has the key structure
// of Cilium's for the images and the switches that enable them, and nothing else; it is not
// Cilium's file. Its digests are SHA-256 sums of made-up strings, computed here.
#include "build/completeness.h"

#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "build/build.h"
#include "build/chart_values.h"
#include "hash/sha256.h"
#include "sign/ed25519.h"
#include "spec/image.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;
namespace fs = std::filesystem;

namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

// A gzip-compressed tar of `files`, as `helm package` writes a chart.
void write_tgz(const fs::path& out, const Files& files) {
    std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
    REQUIRE(a);
    REQUIRE(archive_write_add_filter_gzip(a.get()) == ARCHIVE_OK);
    REQUIRE(archive_write_set_format_pax_restricted(a.get()) == ARCHIVE_OK);
    fs::create_directories(out.parent_path());
    REQUIRE(archive_write_open_filename(a.get(), out.c_str()) == ARCHIVE_OK);
    for (const auto& [name, content] : files) {
        std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(),
                                                                       archive_entry_free);
        archive_entry_set_pathname(entry.get(), name.c_str());
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
        REQUIRE(archive_write_header(a.get(), entry.get()) == ARCHIVE_OK);
        REQUIRE(archive_write_data(a.get(), content.data(), content.size()) ==
                static_cast<la_ssize_t>(content.size()));
    }
    REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
}

std::string digest_of(const std::string& what) {
    return "sha256:" + hash::to_hex(*hash::sha256("stand-in " + what));
}

const std::string R = "registry.example/stand-in/";

// The components of the stand-in chart: image name, tag, digest.
struct Part {
    std::string name;
    std::string tag;
};
const std::map<std::string, Part> parts = {
    {"agent", {"cilium", "v9.9.1"}},
    {"operator", {"operator-generic", "v9.9.1"}},
    {"envoy", {"cilium-envoy", "v9.9.1-envoy"}},
    {"relay", {"hubble-relay", "v9.9.1"}},
    {"ui", {"hubble-ui", "v0.1.0"}},
    {"ui-backend", {"hubble-ui-backend", "v0.1.0"}},
    {"certgen", {"certgen", "v0.2.0"}},
    {"clustermesh", {"clustermesh-apiserver", "v9.9.1"}},
    {"nodeinit", {"startup-script", "v1"}},
};

std::string image_entry(const std::string& part, const std::string& indent,
                        const std::string& repository, const char* digest_key = "digest") {
    const Part& p = parts.at(part);
    return indent + "image:\n" + indent + "  override: ~\n" + indent + "  repository: " + R +
           repository + "\n" + indent + "  tag: " + p.tag + "\n" + indent + "  " + digest_key +
           ": " + digest_of(part) + "\n" + indent + "  useDigest: true\n";
}

// Stand-in for the Cilium chart's values.yaml (see the top of this file).
std::string standin_values() {
    return "# Stand-in values for this test, not Cilium's values.yaml.\n"
           "agent: true\n" +
           image_entry("agent", "", "cilium") +
           "operator:\n"
           "  enabled: true\n"
           "  replicas: 2\n" +
           image_entry("operator", "  ", "operator", "genericDigest") +
           "    suffix: \"\"\n"
           "envoy:\n"
           "  enabled: ~\n" +
           image_entry("envoy", "  ", "cilium-envoy") +
           "hubble:\n"
           "  enabled: true\n"
           "  tls:\n"
           "    enabled: true\n"
           "    auto:\n"
           "      enabled: true\n"
           "      method: helm\n"
           "  relay:\n"
           "    enabled: false\n" +
           image_entry("relay", "    ", "hubble-relay") +
           "  ui:\n"
           "    enabled: false\n"
           "    standalone:\n"
           "      enabled: false\n"
           "    frontend:\n" +
           image_entry("ui", "      ", "hubble-ui") + "    backend:\n" +
           image_entry("ui-backend", "      ", "hubble-ui-backend") + "certgen:\n" +
           image_entry("certgen", "  ", "certgen") +
           "clustermesh:\n"
           "  useAPIServer: false\n"
           "  apiserver:\n" +
           image_entry("clustermesh", "    ", "clustermesh-apiserver") +
           "preflight:\n"
           "  enabled: false\n" +
           image_entry("agent", "  ", "cilium") +
           "nodeinit:\n"
           "  enabled: false\n" +
           image_entry("nodeinit", "  ", "startup-script");
}

// "registry.example/stand-in/<name>:<tag>" of a part.
std::string tagged(const std::string& part) {
    return R + parts.at(part).name + ":" + parts.at(part).tag;
}

// A stand-in manifest, as Argo CD's install.yaml is laid out: a CRD whose schema describes
// containers, a Deployment with an init container, a CronJob, and the same image twice.
const std::string standin_manifest = R"(# Stand-in manifest for this test.
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.stand-in.example
spec:
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          properties:
            containers:
              type: array
              items:
                properties:
                  image:
                    type: string
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: stand-in-server
spec:
  template:
    spec:
      initContainers:
        - name: copy
          image: registry.example/stand-in/server:v1.0.0
      containers:
        - name: server
          image: registry.example/stand-in/server:v1.0.0
        - name: cache
          image: registry.example/stand-in/cache:8.0-alpine
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: stand-in-cleanup
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: cleanup
              image: registry.example/stand-in/dex:v2.0.0
)";

// A definition, its files and its lock, checked by the gate.
struct Scene {
    TempDir dir;
    std::string chart_values = standin_values();
    std::string our_values;  // empty: no values file
    std::string manifest;    // empty: no manifest artifact
    Files extra_chart_files;
    bool write_chart = true;
    std::vector<std::pair<std::string, std::string>> images;  // reference, locked digest ("")

    Scene() {
        for (const char* part : {"agent", "operator", "envoy"}) hold(part);
    }

    // Holds a part of the stand-in chart by tag, locked at its digest.
    void hold(const std::string& part) { images.emplace_back(tagged(part), digest_of(part)); }

    std::string definition() const {
        std::string text =
            "apiVersion: bundle/v1\nkind: Image\nname: demo\nversion: 1\narch: amd64\n"
            "artifacts:\n"
            "  - name: cilium\n    path: charts/cilium.tgz\n    dest: charts/cilium.tgz\n";
        if (!manifest.empty())
            text += "  - name: stand-in-install\n    path: install.yaml\n    dest: install.yaml\n";
        if (!images.empty()) {
            text += "images:\n  stand-in:\n";
            for (const auto& [reference, digest] : images) text += "    - " + reference + "\n";
        }
        text += "completeness:\n  - chart: cilium\n";
        if (!our_values.empty())
            text += "    values: ours.yaml\n";
        if (!manifest.empty())
            text += "  - manifests: stand-in-install\n";
        return text;
    }

    spec::Lock lock() const {
        spec::Lock lock;
        lock.image = "demo";
        for (const auto& [reference, digest] : images) {
            if (digest.empty())
                continue;
            spec::LockedImage locked;
            locked.group = "stand-in";
            locked.reference = reference;
            locked.top = {digest, 1000, "application/vnd.oci.image.index.v1+json"};
            locked.manifest = locked.top;
            lock.images.push_back(locked);
        }
        return lock;
    }

    void write_files() const {
        if (write_chart) {
            Files files = {{"cilium/Chart.yaml", "name: cilium\nversion: 9.9.1\n"},
                           {"cilium/values.yaml", chart_values},
                           // a subchart's values are not the chart's
                           {"cilium/charts/sub/values.yaml", "image: {override: nowhere}\n"}};
            files.insert(files.end(), extra_chart_files.begin(), extra_chart_files.end());
            write_tgz(dir / "charts/cilium.tgz", files);
        }
        if (!our_values.empty())
            test::write_file(dir / "ours.yaml", our_values);
        if (!manifest.empty())
            test::write_file(dir / "install.yaml", manifest);
        test::write_file(dir / "demo.yaml", definition());
    }

    Status check() const {
        write_files();
        auto image = spec::load_image(dir / "demo.yaml");
        REQUIRE(image);
        const spec::Lock held = lock();
        build::Fetched fetched;
        fetched.lock = &held;
        return build::check_completeness(*image, fetched);
    }

    std::string failure() const {
        auto status = check();
        REQUIRE_FALSE(status);
        CHECK(status.error().code == Code::invalid_input);
        return status.error().message;
    }
};

using Catch::Contains;

}  // namespace

TEST_CASE("a bundle holding every image the chart deploys passes", "[build][completeness]") {
    Scene s;
    s.our_values = "hubble:\n  relay:\n    enabled: true\n  ui:\n    enabled: true\n";
    for (const char* part : {"relay", "ui", "ui-backend"}) s.hold(part);
    auto status = s.check();
    INFO((status ? "" : status.error().message));
    CHECK(status);
}

TEST_CASE("the chart's defaults alone need the agent, the generic operator and envoy",
          "[build][completeness]") {
    Scene s;
    CHECK(s.check());
    s.images.clear();
    std::string message = s.failure();
    CHECK_THAT(message, Contains("3 images deployed by the bundle's charts and manifests"));
    CHECK_THAT(message, Contains(tagged("agent") + "@" + digest_of("agent") +
                                 " (required by chart 'cilium', values key image): no image "
                                 "group holds registry.example/stand-in/cilium"));
    // The generic operator: <repository>-generic<suffix>, pinned by genericDigest.
    CHECK_THAT(message, Contains(R + "operator-generic:v9.9.1@" + digest_of("operator") +
                                 " (required by chart 'cilium', values key operator.image)"));
    // envoy.enabled is null in the chart: on, as for a new installation.
    CHECK_THAT(message, Contains("values key envoy.image"));
}

TEST_CASE("each missing image is named with the values key that wants it",
          "[build][completeness]") {
    Scene s;
    s.our_values = "hubble:\n  relay:\n    enabled: true\n  ui:\n    enabled: true\n";
    s.hold("ui");
    std::string message = s.failure();
    CHECK_THAT(message, Contains("2 images deployed"));
    CHECK_THAT(message, Contains(tagged("relay") + "@" + digest_of("relay") +
                                 " (required by chart 'cilium', values key hubble.relay.image): "
                                 "no image group holds registry.example/stand-in/hubble-relay"));
    CHECK_THAT(message, Contains("values key hubble.ui.backend.image): no image group holds "
                                 "registry.example/stand-in/hubble-ui-backend"));
    CHECK_THAT(message, !Contains("values key hubble.ui.frontend.image"));
}

TEST_CASE("a digest mismatch names both digests", "[build][completeness]") {
    Scene s;
    s.images[0].second = digest_of("another build of the agent");
    std::string message = s.failure();
    CHECK_THAT(message, Contains("1 image deployed"));
    CHECK_THAT(message,
               Contains("values key image): needs digest " + digest_of("agent") +
                        "; the bundle has " + tagged("agent") + " (group 'stand-in', locked at " +
                        digest_of("another build of the agent") + ")"));
}

TEST_CASE("an image of the definition that is not locked does not count", "[build][completeness]") {
    Scene s;
    s.images[0].second.clear();
    CHECK_THAT(s.failure(),
               Contains("the bundle has " + tagged("agent") + " (group 'stand-in', not locked)"));
}

TEST_CASE("disabled components are not required", "[build][completeness]") {
    Scene s;
    // Relay and UI switched on, but Hubble itself off: the chart renders neither.
    s.our_values =
        "hubble:\n  enabled: false\n  relay:\n    enabled: true\n  ui:\n    enabled: true\n"
        "envoy:\n  enabled: false\n";
    s.images.erase(s.images.begin() + 2);  // no envoy either
    auto status = s.check();
    INFO((status ? "" : status.error().message));
    CHECK(status);
}

TEST_CASE("our values turn a component's requirement on", "[build][completeness]") {
    Scene s;
    CHECK(s.check());
    s.our_values = "hubble:\n  relay:\n    enabled: true\n";
    CHECK_THAT(s.failure(), Contains("values key hubble.relay.image"));
    s.our_values =
        "clustermesh:\n  useAPIServer: true\n  apiserver:\n    tls:\n      auto:\n"
        "        enabled: true\n        method: cronJob\n";
    std::string message = s.failure();
    CHECK_THAT(message, Contains("values key clustermesh.apiserver.image"));
    CHECK_THAT(message, Contains("values key certgen.image"));
    s.our_values = "nodeinit:\n  enabled: true\npreflight:\n  enabled: \"yes\"\n";
    message = s.failure();
    CHECK_THAT(message, Contains("values key nodeinit.image"));
    // The preflight image is the agent's own, which the bundle holds.
    CHECK_THAT(message, !Contains("values key preflight.image"));
}

TEST_CASE("Hubble certificates made by a CronJob need certgen", "[build][completeness]") {
    Scene s;
    s.our_values = "hubble:\n  tls:\n    auto:\n      method: cronJob\n";
    CHECK_THAT(s.failure(), Contains("values key certgen.image): no image group holds "
                                     "registry.example/stand-in/certgen"));
    s.hold("certgen");
    CHECK(s.check());
}

TEST_CASE("an override is the whole reference", "[build][completeness]") {
    Scene s;
    s.our_values =
        "hubble:\n  relay:\n    enabled: true\n    image:\n"
        "      override: registry.example/mirror/hubble-relay:v9.9.1-mirror\n";
    s.images.emplace_back("registry.example/mirror/hubble-relay:v9.9.1-other", digest_of("m"));
    CHECK_THAT(s.failure(),
               Contains("registry.example/mirror/hubble-relay:v9.9.1-mirror (required by chart "
                        "'cilium', values key hubble.relay.image): needs that tag, locked; the "
                        "bundle has registry.example/mirror/hubble-relay:v9.9.1-other"));
    s.images.emplace_back("registry.example/mirror/hubble-relay:v9.9.1-mirror", digest_of("m"));
    CHECK(s.check());
}

TEST_CASE("without useDigest the tag decides", "[build][completeness]") {
    Scene s;
    s.our_values = "image:\n  useDigest: false\n";
    s.images[0].second = digest_of("whatever the registry says");
    CHECK(s.check());
    s.images[0].first = R + "cilium:v9.9.0";
    CHECK_THAT(s.failure(), Contains(tagged("agent") +
                                     " (required by chart 'cilium', values "
                                     "key image): needs that tag, locked; "
                                     "the bundle has " +
                                     R + "cilium:v9.9.0"));
}

TEST_CASE("a malformed chart values.yaml names the artifact", "[build][completeness]") {
    Scene s;
    s.chart_values = "image: [unclosed\n";
    auto status = s.check();
    REQUIRE_FALSE(status);
    CHECK(status.error().code == Code::invalid_input);
    CHECK(status.error().where == (s.dir / "charts/cilium.tgz").string());
    CHECK_THAT(status.error().message,
               Contains("the values.yaml of chart 'cilium' is not valid YAML: line 2"));
}

TEST_CASE("a chart without values.yaml names the artifact", "[build][completeness]") {
    Scene s;
    s.write_chart = false;
    write_tgz(s.dir / "charts/cilium.tgz", {{"cilium/Chart.yaml", "name: cilium\n"}});
    auto status = s.check();
    REQUIRE_FALSE(status);
    CHECK(status.error().code == Code::invalid_input);
    CHECK_THAT(status.error().message,
               Contains("chart 'cilium' has no <chart>/values.yaml; is it a Helm chart archive?"));
}

TEST_CASE("a chart archive with two charts is refused", "[build][completeness]") {
    Scene s;
    s.extra_chart_files = {{"other/values.yaml", "image: {repository: x}\n"}};
    auto status = s.check();
    REQUIRE_FALSE(status);
    CHECK_THAT(status.error().message,
               Contains("chart 'cilium' holds cilium/values.yaml and other/values.yaml"));
}

TEST_CASE("a file that is not a chart archive names the artifact", "[build][completeness]") {
    Scene s;
    s.write_chart = false;
    test::write_file(s.dir / "charts/cilium.tgz", "just text, no archive\n");
    auto status = s.check();
    REQUIRE_FALSE(status);
    CHECK(status.error().code == Code::invalid_input);
    CHECK_THAT(status.error().message, Contains("chart 'cilium' is not a chart archive (.tgz)"));
}

TEST_CASE("malformed values of ours name our file", "[build][completeness]") {
    Scene s;
    s.our_values = "- a sequence\n- not values\n";
    auto status = s.check();
    REQUIRE_FALSE(status);
    CHECK(status.error().where == (s.dir / "ours.yaml").string());
    CHECK_THAT(status.error().message,
               Contains("the values file of chart 'cilium' must be a mapping of values"));
}

TEST_CASE("an enabled component without its image key is reported", "[build][completeness]") {
    Scene s;
    s.our_values = "envoy:\n  image: ~\n";
    CHECK_THAT(s.failure(), Contains("chart 'cilium': values key envoy.image is missing, but the "
                                     "values enable its component"));
    s.our_values = "envoy:\n  image:\n    override: ~\n    repository: \"\"\n";
    CHECK_THAT(s.failure(), Contains("values key envoy.image has no repository (and no override)"));
}

TEST_CASE("a manifest's images are required wherever its pods sit", "[build][completeness]") {
    Scene s;
    s.manifest = standin_manifest;
    std::string message = s.failure();
    CHECK_THAT(message, Contains("3 images deployed"));
    // Named once, with every place that asks for it.
    CHECK_THAT(message, Contains("registry.example/stand-in/server:v1.0.0 (required by manifests "
                                 "'stand-in-install', Deployment stand-in-server): no image "
                                 "group holds registry.example/stand-in/server"));
    CHECK_THAT(message, Contains("registry.example/stand-in/cache:8.0-alpine (required by "
                                 "manifests 'stand-in-install', Deployment stand-in-server)"));
    CHECK_THAT(message, Contains("registry.example/stand-in/dex:v2.0.0 (required by manifests "
                                 "'stand-in-install', CronJob stand-in-cleanup)"));
    s.images.emplace_back(R + "server:v1.0.0", digest_of("server"));
    s.images.emplace_back(R + "cache:8.0-alpine", digest_of("cache"));
    s.images.emplace_back(R + "dex:v1.9.0", digest_of("dex"));
    CHECK_THAT(s.failure(), Contains("1 image deployed"));
    s.images.back().first = R + "dex:v2.0.0";
    CHECK(s.check());
}

TEST_CASE("a malformed manifest names the artifact", "[build][completeness]") {
    Scene s;
    s.manifest = "kind: Deployment\nspec: {containers: [\n";
    auto status = s.check();
    REQUIRE_FALSE(status);
    CHECK(status.error().code == Code::invalid_input);
    CHECK(status.error().where == (s.dir / "install.yaml").string());
    CHECK_THAT(status.error().message, Contains("manifests 'stand-in-install' is not valid YAML"));
}

TEST_CASE("values merge as Helm merges them", "[build][completeness]") {
    YAML::Node base = YAML::Load("a: {b: 1, c: [1, 2]}\nd: x\ne: {f: 1}\n");
    YAML::Node over = YAML::Load("a: {c: [3]}\nd: ~\ne: 5\ng: new\n");
    YAML::Node merged = build::merge_values(base, over);
    CHECK(merged["a"]["b"].as<int>() == 1);
    REQUIRE(merged["a"]["c"].size() == 1);  // a sequence is replaced, not appended to
    CHECK(merged["a"]["c"][0].as<int>() == 3);
    CHECK(merged["d"].IsNull());
    CHECK(merged["e"].as<int>() == 5);
    CHECK(merged["g"].as<std::string>() == "new");
    CHECK(base["a"]["c"].size() == 2);  // the inputs are left alone
}

TEST_CASE("bundle build refuses a bundle that lacks what its chart deploys",
          "[build][completeness]") {
    TempDir dir;
    Files files = {{"cilium/values.yaml", standin_values()}};
    write_tgz(dir / "charts/cilium.tgz", files);
    test::write_file(dir / "demo.yaml",
                     "apiVersion: bundle/v1\nkind: Image\nname: demo\nversion: 1\narch: amd64\n"
                     "artifacts:\n"
                     "  - name: cilium\n    path: charts/cilium.tgz\n    dest: charts/cilium.tgz\n"
                     "completeness:\n  - chart: cilium\n");
    auto keys = sign::write_new_key_pair((dir / "keys").string());
    REQUIRE(keys);
    build::BuildOptions options;
    options.image = (dir / "demo.yaml").string();
    options.out_dir = (dir / "dist").string();
    options.key = keys->private_key;
    options.created = 1700000000;
    auto written = build::build_bundle(options);
    REQUIRE_FALSE(written);
    CHECK(written.error().code == Code::invalid_input);
    CHECK(written.error().where == (dir / "demo.yaml").string());
    CHECK_THAT(written.error().message, Contains("3 images deployed"));
    CHECK(fs::is_empty(dir / "dist"));  // nothing written, no temporary left
}
