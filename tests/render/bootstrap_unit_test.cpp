// bundle-bootstrap.service against the cloud-init units of the two images the README supports,
// checked by systemd itself: `systemd-analyze verify` loads the units of a search path and
// builds a start transaction for each unit named (here default.target, as at boot), and prints
// "Found ordering cycle" when it has to delete a job to break a cycle (what the journal of a real Debian 12 node said at its second boot: "Job
// bundle-bootstrap.service/start deleted to break ordering cycle", issue 12).
//
// The node as it is at a later boot is modelled by the links that exist there: the unit enabled
// (runcmd's `systemctl enable`: multi-user.target.wants/), cloud-init.target wanted by
// multi-user.target (cloud-init's generator, systemd/cloud-init-generator.tmpl) and cloud-init's
// four services wanted by cloud-init.target (their [Install] WantedBy=, enabled by the package).
//   Debian 12:    the real units of the cloud-init package (22.4.2) in /lib/systemd/system,
//                 installed here by ci/setup.
//   Ubuntu 24.04: tests/data/render/cloud-init-ubuntu-24.04/, a model of the ordering lines of
//                 upstream cloud-init 24.1.3's systemd/*.tmpl rendered for Ubuntu (later
//                 versions keep cloud-final After=multi-user.target and cloud-init.target's too).
// Either way cloud-final.service is After=multi-user.target. Everything else (multi-user.target,
// network-online.target, ...) comes from this machine's systemd 252.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "render/bootstrap.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;
namespace fs = std::filesystem;

namespace {

const fs::path kSystemUnits = "/lib/systemd/system";
const fs::path kUbuntuCloudInit = fs::path(BUNDLE_TEST_DATA) / "render" / "cloud-init-ubuntu-24.04";

// The unit as main rendered it before issue 12: the control that shows the check finds a cycle.
constexpr char kUnitWithCycle[] =
    "[Unit]\n"
    "Description=bundle node bootstrap: get the bundle, check it, run the node agent\n"
    "Wants=network-online.target\n"
    "After=network-online.target cloud-final.service\n\n"
    "[Service]\n"
    "Type=oneshot\n"
    "ExecStart=/bin/sh /usr/local/lib/bundle/bootstrap.sh\n"
    "Restart=on-failure\n"
    "RestartSec=60\n"
    "TimeoutStartSec=infinity\n\n"
    "[Install]\n"
    "WantedBy=multi-user.target\n";

// `unit` as bundle-bootstrap.service on a booting node whose cloud-init units are in
// `cloud_units`; gives what systemd-analyze printed. The unit search path is only
// <dir>/units, `cloud_units` and /lib/systemd/system: this machine's /etc plays no part.
std::string verify_boot(const TempDir& dir, const fs::path& cloud_units, const std::string& unit) {
    fs::path units = dir / "units";
    fs::create_directories(units / "multi-user.target.wants");
    fs::create_directories(units / "cloud-init.target.wants");
    test::write_file(units / render::kBootstrapUnit, unit);
    fs::create_symlink(units / render::kBootstrapUnit, units / "multi-user.target.wants" / render::kBootstrapUnit);
    fs::create_symlink(cloud_units / "cloud-init.target", units / "multi-user.target.wants" / "cloud-init.target");
    for (const char* service : {"cloud-init-local.service", "cloud-init.service", "cloud-config.service", "cloud-final.service"})
        fs::create_symlink(cloud_units / service, units / "cloud-init.target.wants" / service);
    std::string search = units.string() + ":" + cloud_units.string() + ":" + kSystemUnits.string();
    fs::path log = dir / "verify.log";
    // default.target: the boot's own transaction (the unit's alone would not pull cloud-final
    // or multi-user.target in, and shows no cycle even before issue 12).
    int status = test::run({"env", "SYSTEMD_UNIT_PATH=" + search, "systemd-analyze", "verify", "--man=no",
                            (units / render::kBootstrapUnit).string(), "default.target"},
                           log);
    std::string said = test::read_file(log);
    INFO("systemd-analyze verify said:\n" << said);
    CHECK(status == 0);
    return said;
}

bool have_debian_cloud_init() { return fs::exists(kSystemUnits / "cloud-final.service"); }

}  // namespace

TEST_CASE("the check finds the ordering cycle of the unit before issue 12", "[render][systemd]") {
    REQUIRE(test::have_program("systemd-analyze"));
    REQUIRE(have_debian_cloud_init());  // package cloud-init, installed by ci/setup
    for (const fs::path& cloud : {kSystemUnits, kUbuntuCloudInit}) {
        TempDir dir;
        INFO("cloud-init units from " << cloud.string());
        CHECK_THAT(verify_boot(dir, cloud, kUnitWithCycle), Catch::Contains("ordering cycle"));
    }
}

TEST_CASE("bundle-bootstrap.service makes no ordering cycle with Debian 12's cloud-init", "[render][systemd]") {
    REQUIRE(test::have_program("systemd-analyze"));
    REQUIRE(have_debian_cloud_init());
    TempDir dir;
    std::string said = verify_boot(dir, kSystemUnits, render::render_bootstrap_unit());
    CHECK_THAT(said, !Catch::Contains("ordering cycle") && !Catch::Contains(render::kBootstrapUnit));
}

TEST_CASE("bundle-bootstrap.service makes no ordering cycle with Ubuntu 24.04's cloud-init", "[render][systemd]") {
    REQUIRE(test::have_program("systemd-analyze"));
    TempDir dir;
    std::string said = verify_boot(dir, kUbuntuCloudInit, render::render_bootstrap_unit());
    CHECK_THAT(said, !Catch::Contains("ordering cycle") && !Catch::Contains(render::kBootstrapUnit));
}

TEST_CASE("bundle-bootstrap.service still starts after cloud-final at first boot", "[render][systemd]") {
    // runcmd runs inside cloud-final.service and starts the unit with --no-block: the start
    // waits for cloud-final's end, when every file of the user-data is written.
    std::string unit = render::render_bootstrap_unit();
    CHECK_THAT(unit, Catch::Contains("After=") && Catch::Contains("cloud-final.service"));
    CHECK_THAT(unit, Catch::Contains("WantedBy=multi-user.target"));
    // Without the defaults, the unit still needs the system up and stops at shutdown.
    CHECK_THAT(unit, Catch::Contains("DefaultDependencies=no") && Catch::Contains("Requires=sysinit.target") &&
                         Catch::Contains("basic.target") && Catch::Contains("Conflicts=shutdown.target"));
}
