#include "spec/image.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <string_view>

#include "format/member_path.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bundle::Code;
using bundle::spec::load_image;
using bundle::spec::parse_image;

namespace {

const std::string demo = "images/demo.yaml";

// The message of the error `yaml` must give, after checking that it is a single invalid_input
// error with no `where` (every line names its own place).
std::string errors_of(std::string_view yaml) {
    auto image = parse_image(yaml, demo);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::invalid_input);
    CHECK(image.error().where.empty());
    return image.error().message;
}

// A valid image with `artifact_lines` as the body of its artifacts sequence (from line 7 on).
std::string with_artifacts(const std::string& artifact_lines) {
    return "apiVersion: bundle/v1\n"
           "kind: Image\n"
           "name: demo\n"
           "version: 1\n"
           "arch: amd64\n"
           "artifacts:\n" +
           artifact_lines;
}

}  // namespace

TEST_CASE("the minimal form is accepted with exact values", "[spec]") {
    const fs::path file = fs::path(BUNDLE_TEST_DATA) / "spec" / "minimal.yaml";
    auto image = load_image(file);
    REQUIRE(image);
    CHECK(image->name == "demo");
    CHECK(image->version == 1);
    CHECK(image->arch == "amd64");
    CHECK(image->file == file);
    REQUIRE(image->payload);
    CHECK(*image->payload == file.parent_path() / "payload");
    REQUIRE(image->artifacts.size() == 1);
    const auto& big = image->artifacts[0];
    CHECK(big.name == "big");
    CHECK(big.source == file.parent_path() / "files" / "big.bin");
    CHECK(big.dest == "data/big.bin");
    CHECK(big.mode == 0644);
    CHECK(big.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(big.where.file == file.string());
    CHECK(big.where.line == 7);
    CHECK(big.where.column == 5);
}

TEST_CASE("optional keys take their defaults", "[spec]") {
    auto image = parse_image(with_artifacts("  - name: tool\n"
                                            "    path: /opt/tool\n"
                                            "    dest: bin/tool\n"),
                             demo);
    REQUIRE(image);
    CHECK_FALSE(image->payload);
    REQUIRE(image->artifacts.size() == 1);
    CHECK(image->artifacts[0].mode == 0644);
    CHECK_FALSE(image->artifacts[0].sha256);
    CHECK(image->artifacts[0].source == "/opt/tool");  // an absolute path stays as it is

    auto bare = parse_image(
        "apiVersion: bundle/v1\nkind: Image\nname: x\nversion: 7\narch: arm64\n", "x.yaml");
    REQUIRE(bare);
    CHECK(bare->artifacts.empty());
    CHECK(bare->version == 7);
    CHECK(bare->arch == "arm64");
}

TEST_CASE("mode may be quoted or plain, with or without a leading zero", "[spec]") {
    auto [text, expected] = GENERATE(table<std::string, std::uint32_t>({
        {"\"0644\"", 0644u},
        {"0644", 0644u},
        {"644", 0644u},
        {"0755", 0755u},
        {"'0600'", 0600u},
        {"0", 0u},
        {"0777", 0777u},
    }));
    auto image = parse_image(
        with_artifacts("  - name: a\n    path: a\n    dest: a\n    mode: " + text + "\n"), demo);
    REQUIRE(image);
    CHECK(image->artifacts[0].mode == expected);
}

TEST_CASE("an unknown key is reported at the key with the expected keys", "[spec][errors]") {
    CHECK(errors_of(with_artifacts("  - name: big\n"
                                   "    pth: files/big.bin\n"
                                   "    dest: data/big.bin\n")) ==
          "images/demo.yaml:7:5: artifact needs one of 'path', 'url' or 'helm'\n"
          "images/demo.yaml:8:5: unknown key 'pth' in artifact (expected one of: name, path, "
          "url, helm, dest, mode, sha256, checksums, trust)");
    CHECK(errors_of(with_artifacts("") + "colour: red\n") ==
          "images/demo.yaml:7:1: unknown key 'colour' in image (expected one of: apiVersion, "
          "kind, name, version, arch, artifacts, images, payload, completeness)");
}

TEST_CASE("a key given twice in one mapping is reported at the second", "[spec][errors]") {
    CHECK(errors_of(with_artifacts("  - name: big\n"
                                   "    path: a\n"
                                   "    dest: a\n"
                                   "    path: b\n")) ==
          "images/demo.yaml:10:5: duplicate key 'path' in artifact (first at line 8)");
    CHECK(errors_of(with_artifacts("") + "version: 2\n") ==
          "images/demo.yaml:7:1: duplicate key 'version' in image (first at line 4)");
}

TEST_CASE("a sequence where a scalar is expected is a type error", "[spec][errors]") {
    CHECK(
        errors_of("apiVersion: bundle/v1\nkind: Image\nname: [a, b]\nversion: 1\narch: amd64\n") ==
        "images/demo.yaml:3:7: 'name' must be a scalar, found a sequence");
    CHECK(errors_of(with_artifacts("  - name: a\n    path: {x: 1}\n    dest: a\n")) ==
          "images/demo.yaml:8:11: 'path' must be a scalar, found a mapping");
}

TEST_CASE("an empty value is reported at its key", "[spec][errors]") {
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Image\nname:\nversion: 1\narch: amd64\n") ==
          "images/demo.yaml:3:1: 'name' has no value");
}

TEST_CASE("version must be a positive plain integer", "[spec][errors]") {
    auto [text, message] = GENERATE(table<std::string, std::string>({
        {"1.5", "version must be a positive integer, found '1.5'"},
        {"one", "version must be a positive integer, found 'one'"},
        {"-1", "version must be a positive integer, found '-1'"},
        {"+1", "version must be a positive integer, found '+1'"},
        {"0", "version must be at least 1"},
        {"\"3\"", "version must be an integer, found the string '3'"},
        {"99999999999999999999", "version '99999999999999999999' is too large"},
    }));
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Image\nname: demo\nversion: " + text +
                    "\narch: amd64\n") == "images/demo.yaml:4:10: " + message);
}

TEST_CASE("mode must be octal and at most 0777", "[spec][errors]") {
    CHECK(
        errors_of(with_artifacts("  - name: a\n    path: a\n    dest: a\n    mode: \"0999\"\n")) ==
        "images/demo.yaml:10:11: mode must be an octal number such as \"0644\", found '0999'");
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: a\n    mode: 4755\n")) ==
          "images/demo.yaml:10:11: mode '4755' sets setuid, setgid or sticky bits; at most 0777 "
          "is allowed");
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: a\n    mode: 00644\n")) ==
          "images/demo.yaml:10:11: mode must be an octal number such as \"0644\", found '00644'");
}

TEST_CASE("a missing required key is named and reported at its mapping", "[spec][errors]") {
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Image\nname: demo\narch: amd64\n") ==
          "images/demo.yaml:1:1: missing required key 'version' in image");
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n")) ==
          "images/demo.yaml:7:5: missing required key 'dest' in artifact");
}

TEST_CASE("apiVersion and kind must be exactly bundle/v1 and Image", "[spec][errors]") {
    CHECK(errors_of("apiVersion: bundle/v2\nkind: image\nname: demo\nversion: 1\narch: amd64\n") ==
          "images/demo.yaml:1:13: apiVersion must be 'bundle/v1', found 'bundle/v2'\n"
          "images/demo.yaml:2:7: kind must be 'Image', found 'image'");
}

TEST_CASE("name and arch are checked", "[spec][errors]") {
    const std::string long_name(64, 'a');
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Image\nname: " + long_name +
                    "\nversion: 1\narch: x86_64\n") ==
          "images/demo.yaml:3:7: 'name' is longer than 63 characters\n"
          "images/demo.yaml:5:7: arch must be 'amd64' or 'arm64', found 'x86_64'");
    CHECK(errors_of(with_artifacts("  - name: Big\n    path: a\n    dest: a\n")) ==
          "images/demo.yaml:7:11: 'name' must match [a-z0-9][a-z0-9._-]*, found 'Big'");
}

TEST_CASE("duplicate artifact names point at the second and name the first's line",
          "[spec][errors]") {
    CHECK(errors_of(with_artifacts("  - name: big\n    path: a\n    dest: a\n"
                                   "  - name: big\n    path: b\n    dest: b\n")) ==
          "images/demo.yaml:10:11: duplicate artifact name 'big' (first at line 7)");
}

TEST_CASE("duplicate dests point at the second and name the first's line", "[spec][errors]") {
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: data/x\n"
                                   "  - name: b\n    path: b\n    dest: data/x\n")) ==
          "images/demo.yaml:12:11: duplicate dest 'data/x' (first at line 9)");
}

TEST_CASE("a dest inside another artifact's dest is refused", "[spec][errors]") {
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: data\n"
                                   "  - name: b\n    path: b\n    dest: data/x\n")) ==
          "images/demo.yaml:12:11: dest 'data/x' is inside the file 'data' (line 9)");
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: data/x\n"
                                   "  - name: b\n    path: b\n    dest: data\n")) ==
          "images/demo.yaml:12:11: dest 'data' is a folder of the file 'data/x' (line 9)");
}

// The spec applies the extractor's rule itself (format::check_member_path): each row checks that
// the dest is refused at its place, shown escaped, with the message that rule gives, and that the
// message names the reason (the rule's exact wording is pinned by format/member_path_test.cpp).
TEST_CASE("an unsafe dest is refused", "[spec][errors][security]") {
    auto [yaml, dest, shown, reason] =
        GENERATE(table<std::string, std::string, std::string, std::string>({
            {"\"\"", "", "''", "empty"},
            {"/etc/passwd", "/etc/passwd", "'/etc/passwd'", "absolute"},
            {"../x", "../x", "'../x'", "'..' component"},
            {"a/../../x", "a/../../x", "'a/../../x'", "'..' component"},
            {"./x", "./x", "'./x'", "'.' component"},
            {"a//b", "a//b", "'a//b'", "empty component"},
            {"a/", "a/", "'a/'", "empty component"},
            {"'a\\b'", "a\\b", "'a\\b'", "backslash"},
            {"\"a\\tb\"", "a\tb", "'a\\x09b'", "character"},
            {"\"a\\0b\"", std::string("a\0b", 3), "'a\\x00b'", "character"},
            {std::string(256, 'x'), std::string(256, 'x'), "'" + std::string(64, 'x') + "...'",
             "longer than 255 bytes"},
        }));
    auto rule = bundle::format::check_member_path(dest);
    REQUIRE_FALSE(rule);
    CHECK_THAT(rule.error().message, Catch::Matchers::Contains(reason));
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: " + yaml + "\n")) ==
          "images/demo.yaml:9:11: dest " + shown + " is not a safe path inside the bundle (" +
              rule.error().message + ")");
}

TEST_CASE("a dest of exactly 255 bytes is accepted", "[spec]") {
    auto image = parse_image(
        with_artifacts("  - name: a\n    path: a\n    dest: " + std::string(255, 'x') + "\n"),
        demo);
    CHECK(image);
}

TEST_CASE("sha256 must be 64 lowercase hex digits", "[spec][errors]") {
    const std::string upper(64, 'A');
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: a\n    sha256: " + upper +
                                   "\n")) ==
          "images/demo.yaml:10:13: sha256 must be 64 lowercase hex digits, found '" + upper + "'");
    CHECK(errors_of(with_artifacts("  - name: a\n    path: a\n    dest: a\n    sha256: abc\n")) ==
          "images/demo.yaml:10:13: sha256 must be 64 lowercase hex digits, found 'abc'");
}

TEST_CASE("artifacts must be a sequence of mappings", "[spec][errors]") {
    CHECK(errors_of(with_artifacts("  name: a\n")) ==
          "images/demo.yaml:7:3: artifacts must be a sequence, found a mapping");
    CHECK(errors_of(with_artifacts("  - just-a-name\n")) ==
          "images/demo.yaml:7:5: artifact must be a mapping, found a scalar");
}

TEST_CASE("a file with three mistakes reports three lines in file order", "[spec][errors]") {
    std::string message = errors_of(
        "apiVersion: bundle/v1\n"
        "kind: Image\n"
        "name: demo\n"
        "version: 0\n"
        "arch: amd64\n"
        "artifacts:\n"
        "  - name: big\n"
        "    pth: files/big.bin\n"
        "    path: files/big.bin\n"
        "    dest: data/big.bin\n"
        "    mode: \"0999\"\n");
    CHECK(message ==
          "images/demo.yaml:4:10: version must be at least 1\n"
          "images/demo.yaml:8:5: unknown key 'pth' in artifact (expected one of: name, path, "
          "url, helm, dest, mode, sha256, checksums, trust)\n"
          "images/demo.yaml:11:11: mode must be an octal number such as \"0644\", found '0999'");
}

TEST_CASE("a YAML syntax error names its place", "[spec][errors]") {
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Image\nname: [demo\nversion: 1\n") ==
          "images/demo.yaml:4:8: YAML syntax error: end of sequence flow not found");
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Image: x\n") ==
          "images/demo.yaml:2:12: YAML syntax error: illegal map value");
    CHECK(errors_of("name: *nowhere\n") ==
          "images/demo.yaml:1:7: YAML syntax error: the referenced anchor is not defined");
}

TEST_CASE("a stray comma is a syntax error, not a hang (yaml-cpp#1040)", "[spec][errors]") {
    CHECK(errors_of(",") == "images/demo.yaml:1:1: YAML syntax error: unexpected ','");
    CHECK(errors_of(",a\x94\nkind: Image\n") ==
          "images/demo.yaml:1:1: YAML syntax error: unexpected ','");
    CHECK(errors_of("- a\n,\n") == "images/demo.yaml:2:1: YAML syntax error: unexpected ','");
    CHECK(errors_of("a: 1\n---\n,") ==
          "images/demo.yaml:2:1: a second YAML document; the file must hold exactly one");
}

TEST_CASE("an empty file, a non-mapping and a second document are refused", "[spec][errors]") {
    CHECK(errors_of("") == "images/demo.yaml:1:1: the file is empty");
    CHECK(errors_of("# only a comment\n") == "images/demo.yaml:1:1: the file is empty");
    CHECK(errors_of("- a\n- b\n") ==
          "images/demo.yaml:1:1: image must be a mapping, found a sequence");
    CHECK(errors_of("just text\n") ==
          "images/demo.yaml:1:1: image must be a mapping, found a scalar");
    CHECK(errors_of("---\n") ==
          "images/demo.yaml:2:1: image must be a mapping, found an empty value");
    CHECK(errors_of("apiVersion: bundle/v1\n---\nname: other\n") ==
          "images/demo.yaml:2:1: a second YAML document; the file must hold exactly one");
}

TEST_CASE("hostile input gives errors, never an exception", "[spec][errors][security]") {
    auto text =
        GENERATE(as<std::string>{}, "{", "[", "? [a]\n: b\n", "&a [*a]\n", "\t- a\n",
                 "\xff\xfe\x00", "a: !!binary ????\n", "{a: 1, a: 2, a: 3}", "artifacts: &x [*x]\n",
                 std::string(10000, '['), "artifacts:\n  -\n  - ~\n", ",", "[:", "{:");
    bool accepted = true;
    REQUIRE_NOTHROW(accepted = static_cast<bool>(parse_image(text, demo)));
    CHECK_FALSE(accepted);
}

TEST_CASE("load_image reports a missing file as an io error with its path", "[spec][errors]") {
    bundle::test::TempDir dir;
    const fs::path missing = dir / "nope.yaml";
    auto image = load_image(missing);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::io);
    CHECK(image.error().where == missing.string());
    CHECK_THAT(image.error().message, Catch::Contains(std::strerror(ENOENT)));
}

TEST_CASE("load_image refuses a file larger than 1 MiB", "[spec][errors]") {
    bundle::test::TempDir dir;
    const fs::path big = dir / "big.yaml";
    bundle::test::write_file(big, "name: demo\n" + std::string(1024 * 1024, '#'));
    auto image = load_image(big);
    REQUIRE_FALSE(image);
    CHECK(image.error().code == Code::invalid_input);
    CHECK(image.error().where == big.string());
}

TEST_CASE("load_image resolves paths against the definition's folder", "[spec]") {
    bundle::test::TempDir dir;
    const fs::path file = dir / "images" / "demo.yaml";
    bundle::test::write_file(file, with_artifacts("  - name: a\n    path: ../files/a\n"
                                                  "    dest: a\n") +
                                       "payload: ./payload/\n");
    auto image = load_image(file);
    REQUIRE(image);
    CHECK(image->artifacts[0].source == dir.path() / "files" / "a");
    CHECK(*image->payload == dir.path() / "images" / "payload");
}
