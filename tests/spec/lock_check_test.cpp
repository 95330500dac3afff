#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "spec/image.h"
#include "spec/lock.h"
#include "spec/yaml_error.h"

using bundle::Code;
using bundle::spec::Artifact;
using bundle::spec::check_lock_matches;
using bundle::spec::HelmChart;
using bundle::spec::Image;
using bundle::spec::ImageGroup;
using bundle::spec::Lock;
using bundle::spec::LockedArtifact;
using bundle::spec::LockedImage;

namespace {

const std::string hex_a(64, 'a');
const std::string pinned = "registry.example.org/c/op:1@sha256:" + std::string(64, 'd');

Image definition() {
    Image image;
    image.name = "demo";
    image.file = "images/demo.yaml";
    Artifact k3s;
    k3s.name = "k3s";
    k3s.url = "https://h/k3s";
    k3s.sha256 = hex_a;
    Artifact chart;
    chart.name = "cilium";
    chart.helm = HelmChart{"https://charts.example.org/", "cilium", "1.18.4"};
    Artifact local;
    local.name = "local";
    local.source = "/x/local";
    image.artifacts = {k3s, chart, local};
    ImageGroup group;
    group.name = "cilium";
    group.references = {"registry.example.org/c/agent:1", pinned};
    image.images = {group};
    return image;
}

Lock matching_lock() {
    Lock lock;
    lock.image = "demo";
    lock.artifacts = {LockedArtifact{"cilium", "https://charts.example.org/cilium-1.18.4.tgz", 5,
                                     std::string(64, 'b'), "helm https://charts.example.org/ cilium 1.18.4"},
                      LockedArtifact{"k3s", "https://h/k3s", 7, hex_a, "sha256"}};
    LockedImage agent;
    agent.group = "cilium";
    agent.reference = "registry.example.org/c/agent:1";
    agent.top.digest = "sha256:" + std::string(64, 'c');
    LockedImage op;
    op.group = "cilium";
    op.reference = pinned;
    op.top.digest = "sha256:" + std::string(64, 'd');
    lock.images = {agent, op};
    return lock;
}

std::string problems(const Image& image, const Lock& lock) {
    auto status = check_lock_matches(image, lock, "images/demo.lock.yaml");
    REQUIRE_FALSE(status);
    CHECK(status.error().code == Code::invalid_input);
    CHECK(status.error().where == "images/demo.lock.yaml");
    return status.error().message;
}

const std::string intro = "the lock does not match images/demo.yaml (run `bundle lock` again):\n  ";

}  // namespace

TEST_CASE("a lock that matches its definition passes", "[spec][lock]") {
    CHECK(check_lock_matches(definition(), matching_lock(), "images/demo.lock.yaml"));
}

TEST_CASE("lock check: another image name", "[spec][lock][errors]") {
    Lock lock = matching_lock();
    lock.image = "other";
    CHECK(problems(definition(), lock) ==
          intro + "the lock is for image 'other', the definition is 'demo'");
}

TEST_CASE("lock check: artifacts missing on either side", "[spec][lock][errors]") {
    Lock lock = matching_lock();
    lock.artifacts.erase(lock.artifacts.begin());  // cilium
    lock.artifacts.push_back(LockedArtifact{"extra", "https://h/e", 1, hex_a, "sha256"});
    CHECK(problems(definition(), lock) ==
          intro +
              "artifact 'cilium' is in the definition but not in the lock\n"
              "  artifact 'extra' is in the lock but not in the definition");
}

TEST_CASE("lock check: a local path artifact is never locked", "[spec][lock][errors]") {
    Lock lock = matching_lock();
    lock.artifacts.push_back(LockedArtifact{"local", "https://h/l", 1, hex_a, "sha256"});
    CHECK(problems(definition(), lock) ==
          intro + "artifact 'local' is a local path in the definition but is locked");
}

TEST_CASE("lock check: a url or an inline pin that differs", "[spec][lock][errors]") {
    Lock lock = matching_lock();
    lock.artifacts[1].url = "https://h/k3s-old";
    lock.artifacts[1].sha256 = std::string(64, 'f');
    CHECK(problems(definition(), lock) ==
          intro +
              "artifact 'k3s': the definition's url 'https://h/k3s' differs from the locked "
              "'https://h/k3s-old'\n"
              "  artifact 'k3s': the definition's sha256 '" +
              hex_a + "' differs from the locked '" + std::string(64, 'f') + "'");
}

TEST_CASE("lock check: images missing on either side", "[spec][lock][errors]") {
    Lock lock = matching_lock();
    lock.images[0].group = "other";
    CHECK(problems(definition(), lock) ==
          intro +
              "image 'registry.example.org/c/agent:1' in group 'cilium' is in the definition but not in "
              "the lock\n"
              "  image 'registry.example.org/c/agent:1' in group 'other' is in the lock but not in the "
              "definition");
}

TEST_CASE("lock check: an @sha256 pin that differs from the locked digest",
          "[spec][lock][errors]") {
    Lock lock = matching_lock();
    lock.images[1].top.digest = "sha256:" + std::string(64, 'e');
    CHECK(problems(definition(), lock) ==
          intro + "image " + bundle::spec::quote_value(pinned) +
              " in group 'cilium' is pinned to sha256:" + std::string(64, 'd') +
              " but locked to sha256:" + std::string(64, 'e'));
}

TEST_CASE("lock check: every disagreement at once", "[spec][lock][errors]") {
    Lock lock = matching_lock();
    lock.image = "other";
    lock.artifacts.clear();
    lock.images.clear();
    std::string message = problems(definition(), lock);
    CHECK(std::count(message.begin(), message.end(), '\n') == 5);
}

TEST_CASE("lock check: a chart whose version or repository moved without a new lock", "[spec][lock][errors]") {
    Image image = definition();
    image.artifacts[1].helm->version = "1.18.5";
    CHECK(problems(image, matching_lock()) ==
          intro +
              "artifact 'cilium': its pin comes from 'helm https://charts.example.org/ cilium 1.18.5' but the "
              "lock's came from 'helm https://charts.example.org/ cilium 1.18.4'");
}

TEST_CASE("lock check: a pin that now comes from a checksum file", "[spec][lock][errors]") {
    Image image = definition();
    image.artifacts[0].sha256.reset();
    image.artifacts[0].checksums = "https://h/sums.txt";
    CHECK(problems(image, matching_lock()) ==
          intro + "artifact 'k3s': its pin comes from 'checksums https://h/sums.txt' but the lock's came from 'sha256'");
}
