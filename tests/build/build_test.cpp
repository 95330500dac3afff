#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "build/build.h"
#include "build/sources.h"
#include "format/reader.h"
#include "sign/ed25519.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

namespace {

constexpr const char* kImage = R"(apiVersion: bundle/v1
kind: Image
name: demo
version: 2
arch: amd64
artifacts:
  - name: big
    path: files/big.bin
    dest: data/big.bin
    mode: "0600"
payload: payload/
)";

struct Project {
    TempDir dir;
    std::string key;
    sign::PublicKey pub{};

    explicit Project(const std::string& image = kImage) {
        test::write_file(dir / "files/big.bin", std::string(3 << 20, 'x') + "end");
        test::write_file(dir / "payload/run.sh", "#!/bin/sh\n");
        ::chmod((dir / "payload/run.sh").c_str(), 0700);
        test::write_file(dir / "payload/conf/a.yaml", "a: 1\n");
        ::chmod((dir / "payload/conf/a.yaml").c_str(), 0600);
        test::write_file(dir / "demo.yaml", image);
        auto paths = sign::write_new_key_pair((dir / "keys").string());
        REQUIRE(paths);
        key = paths->private_key;
        pub = *sign::load_public_key(paths->public_key);
    }

    Result<format::Written> build(const std::string& out = "dist") const {
        build::BuildOptions options;
        options.image = (dir / "demo.yaml").string();
        options.out_dir = (dir / out).string();
        options.key = key;
        options.created = 1700000000;
        options.jobs = 2;
        return build::build_bundle(options);
    }
};

}  // namespace

TEST_CASE("build writes <name>-<version>.bundle with artifacts and payload", "[build]") {
    Project p;
    auto written = p.build();
    REQUIRE(written);
    CHECK(written->path == (p.dir / "dist/demo-2.bundle").string());
    auto bundle = format::open_bundle(written->path, &p.pub);
    REQUIRE(bundle);
    std::vector<std::string> paths;
    for (const auto& m : bundle->index.members) paths.push_back(m.path + " " + format::mode_string(m.mode));
    CHECK(paths == std::vector<std::string>{"data 0755", "data/big.bin 0600", "payload 0755",
                                            "payload/conf 0755", "payload/conf/a.yaml 0644",
                                            "payload/run.sh 0755"});
}

TEST_CASE("the same inputs and creation time give the same bytes", "[build]") {
    Project p;
    auto a = p.build("a");
    auto b = p.build("b");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(test::read_file(a->path) == test::read_file(b->path));
}

TEST_CASE("a matching sha256 pin is accepted, a wrong one names the artifact", "[build]") {
    std::string content = std::string(3 << 20, 'x') + "end";
    std::string good = hash::to_hex(*hash::sha256(content));
    std::string image = std::string(kImage);
    image.insert(image.find("payload:"), "    sha256: " + good + "\n");
    CHECK(Project(image).build());

    std::string bad = image;
    bad.replace(bad.find(good), 64, std::string(64, '0'));
    Project p(bad);
    auto written = p.build();
    REQUIRE_FALSE(written);
    CHECK(written.error().code == Code::digest);
    CHECK(written.error().where.find("demo.yaml:7:5 (artifact 'big')") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(p.dir / "dist/demo-2.bundle"));
    CHECK(std::filesystem::is_empty(p.dir / "dist"));  // no temporary left behind
}

TEST_CASE("a symlink in the payload is refused, naming it", "[build][security]") {
    Project p;
    std::filesystem::create_symlink("/etc/passwd", p.dir / "payload/passwd");
    auto written = p.build();
    REQUIRE_FALSE(written);
    CHECK(written.error().code == Code::unsafe_path);
    CHECK(written.error().where.find("payload/passwd") != std::string::npos);
}

TEST_CASE("a fifo in the payload is refused", "[build][security]") {
    Project p;
    REQUIRE(::mkfifo((p.dir / "payload/pipe").c_str(), 0600) == 0);
    auto written = p.build();
    REQUIRE_FALSE(written);
    CHECK(written.error().code == Code::unsafe_path);
}

TEST_CASE("an artifact that is a symlink is refused", "[build][security]") {
    Project p;
    std::filesystem::remove(p.dir / "files/big.bin");
    std::filesystem::create_symlink("/etc/hostname", p.dir / "files/big.bin");
    auto written = p.build();
    REQUIRE_FALSE(written);
    CHECK(written.error().code == Code::unsafe_path);
    CHECK(written.error().message.find("symbolic link") != std::string::npos);
}

TEST_CASE("an artifact whose dest collides with the payload is refused", "[build]") {
    std::string image = kImage;
    image.replace(image.find("dest: data/big.bin"), 18, "dest: payload/run.sh");
    Project p(image);
    auto written = p.build();
    REQUIRE_FALSE(written);
    CHECK(written.error().message.find("also given by") != std::string::npos);
}

TEST_CASE("a missing artifact file names it", "[build]") {
    Project p;
    std::filesystem::remove(p.dir / "files/big.bin");
    auto written = p.build();
    REQUIRE_FALSE(written);
    CHECK(written.error().code == Code::io);
    CHECK(written.error().where.find("files/big.bin") != std::string::npos);
}
