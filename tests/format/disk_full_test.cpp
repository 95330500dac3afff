// A full disk during extraction: the error names the cause, the staging tree is removed, and the
// target is not created. The small filesystem is a tmpfs the test mounts itself (root only, as in
// CI); elsewhere the test says why it did not run.
#include <catch2/catch.hpp>
#include <sys/mount.h>
#include <unistd.h>

#include "format/extract.h"
#include "format/writer.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

namespace {

class SmallFilesystem {
public:
    SmallFilesystem(const std::filesystem::path& at, const char* size) : at_(at) {
        std::filesystem::create_directories(at);
        std::string options = std::string("size=") + size;
        mounted_ = ::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) == 0;
    }
    ~SmallFilesystem() {
        if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }

private:
    std::filesystem::path at_;
    bool mounted_ = false;
};

}  // namespace

TEST_CASE("disk full during extract: clean error, nothing left", "[format][faults]") {
    TempDir dir;
    SmallFilesystem small(dir / "small", "1m");
    if (!small.mounted()) {
        WARN("not run: mounting a tmpfs needs root");
        return;
    }
    test::write_file(dir / "big.bin", std::string(3 << 20, 'z'));
    test::write_file(dir / "small.txt", "small");
    auto key = sign::PrivateKey::generate();
    REQUIRE(key);
    std::vector<format::Source> sources{
        {"big.bin", format::Kind::file, 0644, (dir / "big.bin").string(), {}, {}},
        {"small.txt", format::Kind::file, 0644, (dir / "small.txt").string(), {}, {}}};
    format::WriteOptions options{"demo", 1, "amd64", 0, format::kDefaultChunkSize, 2, &*key, nullptr};
    REQUIRE(format::write_bundle(sources, options, (dir / "demo.bundle").string()));

    auto bundle = format::open_bundle((dir / "demo.bundle").string(), &key->public_key());
    REQUIRE(bundle);
    Status status = format::extract_bundle(*bundle, (dir / "small/target").string(), {2, false, nullptr});
    REQUIRE_FALSE(status);
    CHECK(status.error().code == Code::io);
    CHECK(status.error().message.find("No space left on device") != std::string::npos);
    CHECK(std::filesystem::is_empty(dir / "small"));
}
