// Extraction's own promises beyond the attacks in security_test.cpp: leftovers of killed runs are
// tidied, an interrupted run leaves nothing, and once the new tree is in place a failure to remove
// the old one does not turn success into failure.
#include <catch2/catch.hpp>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format/extract.h"
#include "format/writer.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

namespace {

struct Fixture {
    TempDir dir;
    sign::PrivateKey key = *sign::PrivateKey::generate();
    std::string bundle_path = (dir / "demo.bundle").string();

    Fixture() {
        test::write_file(dir / "src/big.bin", std::string(3 << 20, 'b'));
        test::write_file(dir / "src/small.txt", "small\n");
        std::vector<format::Source> sources{
            {"data/big.bin", format::Kind::file, 0644, (dir / "src/big.bin").string(), {}, {}},
            {"data/small.txt", format::Kind::file, 0600, (dir / "src/small.txt").string(), {}, {}}};
        format::WriteOptions options{"demo", 1, "amd64", 0, format::kDefaultChunkSize, 0, &key, nullptr};
        REQUIRE(format::write_bundle(sources, options, bundle_path));  // jobs 0 means one worker
    }

    Status extract(const std::string& target, format::ExtractOptions options = {2}) {
        auto bundle = format::open_bundle(bundle_path, &key.public_key());
        REQUIRE(bundle);
        return format::extract_bundle(*bundle, target, options);
    }
};

pid_t dead_pid() {
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    return child;
}

}  // namespace

TEST_CASE("a staging folder left by a killed run is removed, a live one is kept", "[format][extract]") {
    Fixture f;
    std::filesystem::path stale = f.dir / (".out.staging-" + std::to_string(dead_pid()) + "-0");
    std::filesystem::path live = f.dir / (".out.staging-" + std::to_string(::getppid()) + "-0");
    test::write_file(stale / "junk", "left by a killed run");
    test::write_file(live / "work", "another run at work");
    REQUIRE(f.extract((f.dir / "out").string()));
    CHECK_FALSE(std::filesystem::exists(stale));
    CHECK(std::filesystem::exists(live / "work"));
    CHECK(test::read_file(f.dir / "out/data/small.txt") == "small\n");
}

TEST_CASE("an interrupted extract leaves neither target nor staging folder", "[format][extract]") {
    Fixture f;
    std::atomic<bool> cancel{true};
    format::ExtractOptions options{2};
    options.cancel = &cancel;
    Status status = f.extract((f.dir / "out").string(), options);
    REQUIRE_FALSE(status);
    CHECK(status.error().message == "interrupted");
    CHECK_FALSE(std::filesystem::exists(f.dir / "out"));
    for (const auto& entry : std::filesystem::directory_iterator(f.dir.path()))
        CHECK(entry.path().filename().string().find("staging") == std::string::npos);
}

TEST_CASE("an empty target folder is replaced without --replace", "[format][extract]") {
    Fixture f;
    std::filesystem::create_directory(f.dir / "out");
    REQUIRE(f.extract((f.dir / "out").string()));
    CHECK(std::filesystem::exists(f.dir / "out/data/big.bin"));
}

// Found by review: once the exchange had put the new tree in place, a failure to remove the old
// one was reported as a failed extraction, and the cleanup then ran on the old tree.
TEST_CASE("replace succeeds even if the old tree cannot be removed", "[format][extract]") {
    Fixture f;
    std::filesystem::create_directories(f.dir / "out/busy");
    test::write_file(f.dir / "out/old.txt", "old");
    if (::mount("tmpfs", (f.dir / "out/busy").c_str(), "tmpfs", 0, "size=1m") != 0) {
        WARN("not run: mounting a tmpfs needs root");
        return;
    }
    format::ExtractOptions options{2};
    options.replace = true;
    Status status = f.extract((f.dir / "out").string(), options);
    // The old tree, with the mount in it, is now under a staging name; unmount it to clean up.
    for (const auto& entry : std::filesystem::directory_iterator(f.dir.path()))
        if (entry.path().filename().string().find(".out.staging-") == 0)
            ::umount2((entry.path() / "busy").c_str(), MNT_DETACH);
    REQUIRE(status);
    CHECK(std::filesystem::exists(f.dir / "out/data/big.bin"));
    CHECK_FALSE(std::filesystem::exists(f.dir / "out/old.txt"));
}
