// The install's preflight (node/preflight.h) against roots made here: what it finds is what is
// under the root and on the given PATH; the free space comes from an injected answer. The whole
// command (exit 3, nothing written, the real statvfs on a small tmpfs) is in
// tests/node/housekeeping_test.sh.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "node/preflight.h"
#include "support/temp_dir.h"

using namespace bundle;
using namespace bundle::node;
namespace fs = std::filesystem;

namespace {

constexpr char kKernel[] = "6.1.0-28-amd64";

// A folder of programs named `names` (empty scripts, executable).
std::string programs(const test::TempDir& dir, std::initializer_list<const char*> names) {
    fs::path bin = dir / "bin";
    fs::create_directories(bin);
    for (const char* name : names) {
        test::write_file(bin / name, "#!/bin/sh\n");
        fs::permissions(bin / name, fs::perms::owner_all);
    }
    return bin.string();
}

// systemd-timesyncd as Debian 12 installs it: its unit and the ntp-units.d list naming it.
void time_service(const fs::path& root) {
    test::write_file(root / "lib/systemd/system/systemd-timesyncd.service", "[Service]\n");
    test::write_file(root / "usr/lib/systemd/ntp-units.d/80-systemd-timesync.list",
                     "# comment\nsystemd-timesyncd.service\n");
}

// What a stock image has beyond the programs: networkd's unit and the wireguard module loaded.
void networkd_and_wireguard(const fs::path& root) {
    test::write_file(root / "lib/systemd/system/systemd-networkd.service", "[Service]\n");
    fs::create_directories(root / "sys/module/wireguard");
}

SystemView view_of(const test::TempDir& dir, std::string path, std::uint64_t free) {
    return SystemView{(dir / "root").string(), std::move(path), kKernel,
                      [free](const std::string&) -> Result<std::uint64_t> { return free; }};
}

}  // namespace

TEST_CASE("preflight names everything a bare root lacks, in one error", "[node][preflight]") {
    test::TempDir dir;
    fs::create_directories(dir / "root");
    SystemView view = view_of(dir, programs(dir, {"tar"}), 1000);
    StateDir state((dir / "root").string());
    auto missing = missing_requirements(view, state, 4000);
    REQUIRE(missing.size() == 6);
    auto checked = preflight(view, state, 4000);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == Code::invalid_input);
    const std::string& said = checked.error().message;
    CHECK_THAT(said, Catch::Contains("nft: not found in PATH") && Catch::Contains("sha256sum: not found in PATH") &&
                         !Catch::Contains("tar:"));
    CHECK_THAT(said, Catch::Contains("systemd-networkd: neither its program nor its unit"));
    CHECK_THAT(said, Catch::Contains("network time: no service that `timedatectl set-ntp` can turn on"));
    CHECK_THAT(said, Catch::Contains("the kernel's wireguard module") && Catch::Contains(kKernel));
    CHECK_THAT(said, Catch::Contains("free space: 1000 bytes free in") && Catch::Contains("the bundle needs 4000 bytes"));
}

TEST_CASE("preflight passes a root with everything: networkd's unit, WireGuard built in or as a module",
          "[node][preflight]") {
    test::TempDir dir;
    std::string bin = programs(dir, {"nft", "sha256sum", "tar"});
    fs::path root = dir / "root";
    StateDir state(root.string());
    time_service(root);
    SECTION("Debian 12: networkd's unit in /lib, wireguard.ko in modules.dep") {
        test::write_file(root / "lib/systemd/system/systemd-networkd.service", "[Service]\n");
        test::write_file(root / "lib/modules" / kKernel / "modules.dep",
                         "kernel/net/ipv4/udp_tunnel.ko: \nkernel/drivers/net/wireguard/wireguard.ko.xz: kernel/net/ipv4/udp_tunnel.ko\n");
    }
    SECTION("merged /usr: networkd's program in /usr/lib, WireGuard built in") {
        test::write_file(root / "usr/lib/systemd/systemd-networkd", "");
        test::write_file(root / "usr/lib/modules" / kKernel / "modules.builtin", "kernel/drivers/net/wireguard/wireguard.ko\n");
    }
    SECTION("the module loaded (/sys/module/wireguard)") {
        test::write_file(root / "lib/systemd/systemd-networkd", "");
        fs::create_directories(root / "sys/module/wireguard");
    }
    CHECK(missing_requirements(view_of(dir, bin, 1u << 30), state, 2000).empty());
    CHECK(preflight(view_of(dir, bin, 1u << 30), state, 2000));
}

TEST_CASE("preflight: a module list without wireguard, a program that is not executable", "[node][preflight]") {
    test::TempDir dir;
    std::string bin = programs(dir, {"nft", "sha256sum", "tar"});
    fs::permissions(fs::path(bin) / "nft", fs::perms::owner_read);
    fs::path root = dir / "root";
    test::write_file(root / "lib/systemd/system/systemd-networkd.service", "[Service]\n");
    test::write_file(root / "lib/modules" / kKernel / "modules.dep", "kernel/drivers/net/wireguard-not/other.ko:\n");
    test::write_file(root / "lib/modules/5.10.0-other/modules.builtin", "kernel/drivers/net/wireguard/wireguard.ko\n");
    time_service(root);
    auto missing = missing_requirements(view_of(dir, bin, 1u << 30), StateDir(root.string()), 2000);
    REQUIRE(missing.size() == 2);
    CHECK_THAT(missing[0], Catch::StartsWith("nft: "));
    CHECK_THAT(missing[1], Catch::StartsWith("the kernel's wireguard module"));
}

TEST_CASE("preflight asks no free space once the bundle is extracted", "[node][preflight]") {
    test::TempDir dir;
    std::string bin = programs(dir, {"nft", "sha256sum", "tar"});
    fs::path root = dir / "root";
    networkd_and_wireguard(root);
    time_service(root);
    CHECK(missing_requirements(view_of(dir, bin, 0), StateDir(root.string()), 0).empty());
    CHECK(missing_requirements(view_of(dir, bin, 0), StateDir(root.string()), 1).size() == 1);
}

// Seen on a Debian 12 minbase VM without systemd-timesyncd (tests/vm): 40-time.sh stopped the
// harden phase with "timedatectl set-ntp: NTP not supported", after SSH and the firewall had
// changed. systemd-timedated (systemd-timedated.service(8)) turns on the first unit named in
// ntp-units.d/*.list that exists, and says "NTP not supported" when none does.
TEST_CASE("preflight: network time needs a unit that an ntp-units.d list names and that exists", "[node][preflight]") {
    test::TempDir dir;
    std::string bin = programs(dir, {"nft", "sha256sum", "tar"});
    fs::path root = dir / "root";
    networkd_and_wireguard(root);
    auto missing = [&] { return missing_requirements(view_of(dir, bin, 1u << 30), StateDir(root.string()), 0); };
    SECTION("no list") { REQUIRE(missing().size() == 1); }
    SECTION("a list naming a unit that is not installed") {
        test::write_file(root / "usr/lib/systemd/ntp-units.d/80-systemd-timesync.list", "systemd-timesyncd.service\n");
        REQUIRE(missing().size() == 1);
        CHECK_THAT(missing()[0], Catch::StartsWith("network time: "));
    }
    SECTION("chrony's list and unit, in /etc") {
        test::write_file(root / "etc/systemd/ntp-units.d/50-chrony.list", "chrony.service\n");
        test::write_file(root / "lib/systemd/system/chrony.service", "[Service]\n");
        CHECK(missing().empty());
    }
}
