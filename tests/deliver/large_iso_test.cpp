// A bundle of 4 GiB and more in a seed image: ISO 9660 stores a file's size in 32 bits, so
// libarchive's writer at iso-level 3 splits it into several extents (at levels 1 and 2 it would
// drop the file with a warning). The "bundle" is a sparse file with marks on both sides of the
// 4 GiB line, read back by bsdtar. Slow (it writes about 8 GiB: libarchive's staging copy and the
// image), so it carries the CTest label "slow": ci/test -L slow.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "core/fd.h"
#include "deliver/seed_iso.h"
#include "hash/sha256.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace bundle;

namespace {

constexpr std::uint64_t kFourGiB = std::uint64_t{1} << 32;
constexpr std::uint64_t kSize = kFourGiB + 4096 + 3;

std::string sha256_of_file(const std::string& path, std::uint64_t size) {
    auto fd = open_for_reading(path);
    REQUIRE(fd);
    auto buffer = std::make_unique<unsigned char[]>(1 << 20);
    hash::Sha256 hasher;
    for (std::uint64_t offset = 0; offset < size;) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(1 << 20, size - offset));
        REQUIRE(pread_exact(fd->get(), buffer.get(), want, offset, path));
        REQUIRE(hasher.update(buffer.get(), want));
        offset += want;
    }
    auto digest = hasher.finish();
    REQUIRE(digest);
    return hash::to_hex(*digest);
}

}  // namespace

TEST_CASE("a bundle over 4 GiB goes into the seed image whole", "[deliver][slow]") {
    test::TempDir t;
    std::string big = (t / "big-1.bundle").string();
    {
        UniqueFd fd(::open(big.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        REQUIRE(fd.valid());
        REQUIRE(::ftruncate(fd.get(), static_cast<off_t>(kSize)) == 0);
        for (std::uint64_t at : {std::uint64_t{0}, kFourGiB - 2, kFourGiB + 1, kSize - 1})
            REQUIRE(pwrite_all(fd.get(), "mark", 1, at, big));
    }
    deliver::SeedIso iso;
    iso.out_path = (t / "big.iso").string();
    iso.user_data = "#cloud-config\n";
    iso.meta_data = "instance-id: big\n";
    iso.bundle_path = big;
    iso.bundle_name = "big-1.bundle";
    iso.bundle_size = kSize;
    iso.bundle_sha256 = sha256_of_file(big, kSize);
    Status written = deliver::write_seed_iso(iso);
    INFO((written ? std::string() : written.error().describe()));
    REQUIRE(written);
    // Freed before reading back: the image alone then needs the room.
    REQUIRE(::unlink(big.c_str()) == 0);

    REQUIRE(test::run({"sh", "-c", "bsdtar -xOf \"$1\" big-1.bundle | sha256sum | cut -d ' ' -f 1", "read", iso.out_path},
                      t / "read.txt") == 0);
    CHECK(test::read_file(t / "read.txt") == iso.bundle_sha256 + "\n");
    REQUIRE(test::run({"sh", "-c", "bsdtar -tvf \"$1\" big-1.bundle", "list", iso.out_path}, t / "list.txt") == 0);
    CHECK(test::read_file(t / "list.txt").find(std::to_string(kSize)) != std::string::npos);
}
