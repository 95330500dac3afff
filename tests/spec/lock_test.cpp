#include "spec/lock.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "spec/image.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bundle::Code;
using bundle::spec::Descriptor;
using bundle::spec::Lock;
using bundle::spec::LockedArtifact;
using bundle::spec::LockedImage;
using bundle::spec::parse_lock;
using bundle::spec::render_lock;

namespace {

const std::string lock_name = "images/demo.lock.yaml";

std::string digest(char c) {
    return "sha256:" + std::string(64, c);
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string errors_of(std::string_view yaml) {
    auto lock = parse_lock(yaml, lock_name);
    REQUIRE_FALSE(lock);
    CHECK(lock.error().code == Code::invalid_input);
    CHECK(lock.error().where.empty());
    return lock.error().message;
}

const std::string head = "apiVersion: bundle/v1\nkind: Lock\nimage: demo\n";

// One valid locked image from line 5 on (`images:` at line 4), with `extra` appended.
std::string one_image(const std::string& extra = "") {
    return head +
           "images:\n"
           "  - group: g\n"
           "    reference: nginx:1\n"
           "    digest: " +
           digest('a') +
           "\n"
           "    mediaType: application/vnd.oci.image.manifest.v1+json\n"
           "    size: 10\n"
           "    manifest: {digest: " +
           digest('a') +
           ", size: 10, mediaType: a/b}\n"
           "    blobs:\n"
           "      - {digest: " +
           digest('b') + ", size: 1, mediaType: a/b}\n" + extra;
}

Lock sample() {
    Lock lock;
    lock.image = "demo";
    lock.artifacts.push_back(LockedArtifact{"zeta", "https://h/z", 1, std::string(64, '1'), "sha256"});
    lock.artifacts.push_back(LockedArtifact{"alpha", "https://h/a", 2, std::string(64, '2'), "first-use"});
    Descriptor top{digest('3'), 300, "application/vnd.oci.image.index.v1+json"};
    Descriptor manifest{digest('4'), 400, "application/vnd.oci.image.manifest.v1+json"};
    Descriptor config{digest('9'), 5, "application/vnd.oci.image.config.v1+json"};
    Descriptor layer{digest('0'), 6, "application/vnd.oci.image.layer.v1.tar+zstd"};
    lock.images.push_back(LockedImage{"web", "nginx:1", top, manifest, {config, layer}});
    lock.images.push_back(LockedImage{"cilium", "registry.example.org/c/z:1", top, manifest, {config}});
    lock.images.push_back(LockedImage{"cilium", "registry.example.org/c/a:1", top, manifest, {layer, config}});
    return lock;
}

}  // namespace

TEST_CASE("the fixture lock is read with exact values and renders to the same bytes",
          "[spec][lock]") {
    const fs::path file = fs::path(BUNDLE_TEST_DATA) / "spec" / "demo.lock.yaml";
    auto lock = bundle::spec::load_lock(file);
    REQUIRE(lock);
    CHECK(lock->image == "demo");
    REQUIRE(lock->artifacts.size() == 2);
    CHECK(lock->artifacts[1].name == "k3s");
    CHECK(lock->artifacts[1].url ==
          "https://downloads.example.org/k3s/releases/download/v1.33.4%2Bk3s1/k3s");
    CHECK(lock->artifacts[1].size == 73400320);
    CHECK(lock->artifacts[1].sha256 == std::string(64, '2'));
    REQUIRE(lock->images.size() == 2);
    const LockedImage& cilium = lock->images[0];
    CHECK(cilium.group == "cilium");
    CHECK(cilium.reference == "registry.example.org/cilium/cilium:v1.18.4");
    CHECK(cilium.top == Descriptor{digest('3'), 1234, "application/vnd.oci.image.index.v1+json"});
    CHECK(cilium.manifest ==
          Descriptor{digest('4'), 1000, "application/vnd.oci.image.manifest.v1+json"});
    REQUIRE(cilium.blobs.size() == 2);
    CHECK(cilium.blobs[1] ==
          Descriptor{digest('6'), 45000000, "application/vnd.oci.image.layer.v1.tar+gzip"});
    CHECK(lock->images[1].blobs.empty());
    CHECK(lock->images[1].manifest == lock->images[1].top);

    CHECK(render_lock(*lock, "images/demo.yaml") == read_text(file));
}

TEST_CASE("render sorts artifacts by name and images by group then reference, keeping blobs",
          "[spec][lock]") {
    std::string text = render_lock(sample(), "images/demo.yaml");
    auto alpha = text.find("name: alpha");
    auto zeta = text.find("name: zeta");
    auto c_a = text.find("reference: registry.example.org/c/a:1");
    auto c_z = text.find("reference: registry.example.org/c/z:1");
    auto web = text.find("group: web");
    REQUIRE(zeta != std::string::npos);
    CHECK(alpha < zeta);
    CHECK(c_a < c_z);
    CHECK(c_z < web);
    // The blobs of registry.example.org/c/a:1 stay layer first, as given: manifest order is not sorted.
    auto layer = text.find(digest('0'), c_a);
    auto config = text.find(digest('9'), c_a);
    CHECK(layer < config);
    CHECK(
        text.starts_with("# Written by `bundle lock` from images/demo.yaml. Do not edit; run "
                         "`bundle lock` again.\napiVersion: bundle/v1\nkind: Lock\n"));
}

TEST_CASE("parse(render(x)) is x sorted, and render is a fixed point", "[spec][lock]") {
    Lock lock = sample();
    std::string text = render_lock(lock, "images/demo.yaml");
    auto parsed = parse_lock(text, lock_name);
    REQUIRE(parsed);
    Lock sorted = lock;
    std::swap(sorted.artifacts[0], sorted.artifacts[1]);
    sorted.images = {lock.images[2], lock.images[1], lock.images[0]};
    CHECK(*parsed == sorted);
    CHECK(render_lock(*parsed, "images/demo.yaml") == text);
    CHECK(render_lock(sorted, "images/demo.yaml") == text);
}

TEST_CASE("values YAML would misread are quoted and read back unchanged", "[spec][lock]") {
    Lock lock;
    lock.image = "null";  // a valid name, and YAML's null when plain
    lock.artifacts.push_back(
        LockedArtifact{"a", "https://h/a:", 0, std::string(64, 'f'), "checksums https://h/s: x"});  // ':' at the end
    lock.artifacts.push_back(
        LockedArtifact{"b", "https://h/x#y,[z]{w}", 18446744073709551615u, std::string(64, 'e'), "sha256"});
    Descriptor d{digest('1'), 1, "a/b"};
    lock.images.push_back(LockedImage{"g", "[::1]:5000/app:1", d, d, {d}});
    std::string text = render_lock(lock, "defn\nwith newline.yaml");
    CHECK_THAT(text, Catch::Contains("image: \"null\"\n"));
    CHECK_THAT(text, Catch::Contains("from defn?with newline.yaml."));
    auto parsed = parse_lock(text, lock_name);
    REQUIRE(parsed);
    CHECK(*parsed == lock);
    CHECK(render_lock(*parsed, "defn\nwith newline.yaml") == text);
}

TEST_CASE("an empty lock renders empty lists and reads back", "[spec][lock]") {
    Lock lock;
    lock.image = "demo";
    std::string text = render_lock(lock, "images/demo.yaml");
    CHECK_THAT(text, Catch::EndsWith("image: demo\nartifacts: []\nimages: []\n"));
    auto parsed = parse_lock(text, lock_name);
    REQUIRE(parsed);
    CHECK(*parsed == lock);
    CHECK(parse_lock(head, lock_name));  // both lists may be left out
}

TEST_CASE("lock_path_for puts .lock.yaml in place of .yaml", "[spec][lock]") {
    CHECK(bundle::spec::lock_path_for("images/demo.yaml") == "images/demo.lock.yaml");
    CHECK(bundle::spec::lock_path_for("/a/b/ovh-ha3.yml") == "/a/b/ovh-ha3.lock.yaml");
    CHECK(bundle::spec::lock_path_for("images/demo") == "images/demo.lock.yaml");
    CHECK(bundle::spec::lock_path_for("v1.2.yaml") == "v1.2.lock.yaml");
}

TEST_CASE("lock: unknown, duplicate and missing keys with their places", "[spec][lock][errors]") {
    CHECK(errors_of(head +
                    "artifacts:\n  - name: a\n    url: https://h/a\n    size: 1\n"
                    "    sha256: " +
                    std::string(64, 'a') + "\n    pin: sha256\n    mode: 1\n") ==
          "images/demo.lock.yaml:10:5: unknown key 'mode' in locked artifact (expected one of: "
          "name, url, size, sha256, pin)");
    CHECK(errors_of(head + "artifacts:\n  - name: a\n    url: https://h/a\n    size: 1\n"
                           "    size: 2\n") ==
          "images/demo.lock.yaml:5:5: missing required key 'sha256' in locked artifact\n"
          "images/demo.lock.yaml:5:5: missing required key 'pin' in locked artifact\n"
          "images/demo.lock.yaml:8:5: duplicate key 'size' in locked artifact (first at line 7)");
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Image\nartifacts: {}\n") ==
          "images/demo.lock.yaml:1:1: missing required key 'image' in lock\n"
          "images/demo.lock.yaml:2:7: kind must be 'Lock', found 'Image'\n"
          "images/demo.lock.yaml:3:12: 'artifacts' must be a sequence, found a mapping");
    CHECK(errors_of(one_image("    platform: linux/amd64\n")) ==
          "images/demo.lock.yaml:13:5: unknown key 'platform' in locked image (expected one of: "
          "group, reference, digest, mediaType, size, manifest, blobs)");
    CHECK(errors_of(head + "images:\n  - group: g\n") ==
          "images/demo.lock.yaml:5:5: missing required key 'reference' in locked image\n"
          "images/demo.lock.yaml:5:5: missing required key 'digest' in locked image\n"
          "images/demo.lock.yaml:5:5: missing required key 'size' in locked image\n"
          "images/demo.lock.yaml:5:5: missing required key 'mediaType' in locked image\n"
          "images/demo.lock.yaml:5:5: missing required key 'manifest' in locked image\n"
          "images/demo.lock.yaml:5:5: missing required key 'blobs' in locked image");
}

TEST_CASE("lock: digests, sizes, hex, urls, references and media types are checked",
          "[spec][lock][errors]") {
    CHECK(errors_of(head +
                    "artifacts:\n  - name: A\n    url: ftp://h/a\n    size: \"1\"\n"
                    "    sha256: " +
                    std::string(64, 'A') + "\n    pin: sha256\n") ==
          "images/demo.lock.yaml:5:11: 'name' must match [a-z0-9][a-z0-9._-]*, found 'A'\n"
          "images/demo.lock.yaml:6:10: url 'ftp://h/a' is not usable: a URL must start with "
          "http:// or https://\n"
          "images/demo.lock.yaml:7:11: size must be an integer, found the string '1'\n"
          "images/demo.lock.yaml:8:13: sha256 must be 64 lowercase hex digits, found '" +
              std::string(64, 'A') + "'");
    auto [size, message] = GENERATE(table<std::string, std::string>({
        {"-1", "size must be an unsigned integer, found '-1'"},
        {"+1", "size must be an unsigned integer, found '+1'"},
        {"1.0", "size must be an unsigned integer, found '1.0'"},
        {"0x10", "size must be an unsigned integer, found '0x10'"},
        {"18446744073709551616", "size '18446744073709551616' is too large"},
    }));
    CHECK(errors_of(head + "artifacts:\n  - name: a\n    url: https://h/a\n    size: " + size +
                    "\n    sha256: " + std::string(64, 'a') + "\n    pin: sha256\n") ==
          "images/demo.lock.yaml:7:11: " + message);
}

TEST_CASE("lock: descriptor fields are checked in flow mappings too", "[spec][lock][errors]") {
    std::string text = one_image();
    text.replace(text.find("mediaType: a/b}"), 15, "mediaType: a b}");
    text.replace(text.find("{digest: " + digest('b')), 9 + 71,
                 "{digest: sha256:" + std::string(64, 'B'));
    CHECK(errors_of(text) ==
          "images/demo.lock.yaml:10:118: mediaType must be a media type such as "
          "'application/vnd.oci.image.manifest.v1+json', found 'a b'\n"
          "images/demo.lock.yaml:12:18: digest must be 'sha256:' and 64 lowercase hex digits, "
          "found 'sha256:" +
              std::string(57, 'B') + "...'");
    CHECK(errors_of(head + "images:\n  - group: g\n    reference: nginx\n    digest: sha256:1\n"
                           "    mediaType: x\n    size: 1\n    manifest: []\n    blobs: {}\n") ==
          "images/demo.lock.yaml:6:16: invalid image reference 'nginx': it has neither a tag "
          "nor a digest (a pin that moves is no pin; write :tag or @sha256:...)\n"
          "images/demo.lock.yaml:7:13: digest must be 'sha256:' and 64 lowercase hex digits, "
          "found 'sha256:1'\n"
          "images/demo.lock.yaml:8:16: mediaType must be a media type such as "
          "'application/vnd.oci.image.manifest.v1+json', found 'x'\n"
          "images/demo.lock.yaml:10:15: manifest must be a mapping, found a sequence\n"
          "images/demo.lock.yaml:11:12: 'blobs' must be a sequence, found a mapping");
}

TEST_CASE("lock: duplicate artifacts and images point at the second", "[spec][lock][errors]") {
    const std::string artifact =
        "  - name: a\n    url: https://h/a\n    size: 1\n    sha256: " + std::string(64, 'a') +
        "\n    pin: sha256\n";
    CHECK(errors_of(head + "artifacts:\n" + artifact + artifact) ==
          "images/demo.lock.yaml:10:11: duplicate locked artifact 'a' (first at line 5)");
    std::string twice = one_image();
    twice += twice.substr(twice.find("  - group"));
    CHECK(errors_of(twice) ==
          "images/demo.lock.yaml:14:16: duplicate locked image (group and reference) "
          "'g nginx:1' (first at line 6)");
}

TEST_CASE("lock: syntax errors and hostile input give errors", "[spec][lock][errors]") {
    CHECK(errors_of("") == "images/demo.lock.yaml:1:1: the file is empty");
    CHECK(errors_of(",") == "images/demo.lock.yaml:1:1: YAML syntax error: unexpected ','");
    CHECK(errors_of("- a\n") ==
          "images/demo.lock.yaml:1:1: lock must be a mapping, found a "
          "sequence");
    auto text = GENERATE(as<std::string>{}, "{", "images: &x [*x]\n", std::string(5000, '['),
                         "images:\n  -\n  - ~\n", "artifacts: [[]]\n", "\xff\xfe");
    bool accepted = true;
    REQUIRE_NOTHROW(accepted = static_cast<bool>(parse_lock(text, lock_name)));
    CHECK_FALSE(accepted);
}

TEST_CASE("load_lock: missing file and the 16 MiB limit", "[spec][lock][errors]") {
    bundle::test::TempDir dir;
    auto missing = bundle::spec::load_lock(dir / "nope.lock.yaml");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Code::io);
    const fs::path big = dir / "big.lock.yaml";
    bundle::test::write_file(big, head + std::string(16 * 1024 * 1024, '#'));
    auto refused = bundle::spec::load_lock(big);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Code::invalid_input);
    CHECK(refused.error().where == big.string());
    CHECK_THAT(refused.error().message, Catch::Contains("16 MiB"));
}
