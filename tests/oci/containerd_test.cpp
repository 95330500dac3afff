// The archives the bundle carries, imported by a real containerd as K3s imports its air-gap
// images: each image appears under its full reference with the top-level digest the lock
// records (so @sha256 pins keep working). containerd runs as root with a private root, state
// and socket in the test's folder; it never touches the host's containerd.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "oci/layout.h"
#include "oci/registry.h"
#include "scene.h"
#include "support/process.h"
#include "support/registry.h"
#include "support/temp_dir.h"

using namespace bundle;
using namespace bundle::test::oci;
using bundle::test::Process;
using bundle::test::Registry;
using bundle::test::TempDir;

namespace {

class Containerd {
  public:
    explicit Containerd(const std::filesystem::path& dir) : dir_(dir), socket_(dir / "c.sock") {
        test::require_program("containerd", "containerd");
        test::require_program("ctr", "containerd");
        std::ostringstream config;
        config
            << "version = 2\n"
            << "root = \"" << (dir / "root").string() << "\"\n"
            << "state = \"" << (dir / "state").string() << "\"\n"
            << "disabled_plugins = [\"io.containerd.grpc.v1.cri\", "
               "\"io.containerd.snapshotter.v1.btrfs\", "
               "\"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\", "
               "\"io.containerd.snapshotter.v1.aufs\"]\n"
            << "[grpc]\n  address = \"" << socket_.string() << "\"\n"
            << "[ttrpc]\n  address = \"" << socket_.string() << ".ttrpc\"\n";
        test::write_file(dir / "config.toml", config.str());
        process_ = std::make_unique<Process>(
            std::vector<std::string>{"containerd", "--config", (dir / "config.toml").string()},
            dir / "containerd.log");
        for (int i = 0; i < 200; ++i) {
            if (std::filesystem::exists(socket_) && ctr({"version"}) == 0)
                return;
            if (!process_->running())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        FAIL("containerd did not start: " << test::read_file(dir / "containerd.log"));
    }

    int ctr(const std::vector<std::string>& arguments) {
        std::vector<std::string> argv{"ctr", "-a", socket_.string(), "-n", "k8s.io"};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return test::run(argv, dir_ / "ctr.log");
    }

    // `ctr images import`, on the default (overlayfs) snapshotter or, where overlay cannot
    // mount (inside some containers), on the native one.
    void import(const std::filesystem::path& archive) {
        if (ctr({"images", "import", archive.string()}) == 0)
            return;
        INFO(test::read_file(dir_ / "ctr.log"));
        REQUIRE(ctr({"images", "import", "--snapshotter", "native", archive.string()}) == 0);
    }

    std::string images() {
        std::filesystem::path out = dir_ / "ls.out";
        std::filesystem::remove(out);
        REQUIRE(test::run({"ctr", "-a", socket_.string(), "-n", "k8s.io", "images", "ls"}, out) ==
                0);
        return test::read_file(out);
    }

  private:
    std::filesystem::path dir_;
    std::filesystem::path socket_;
    std::unique_ptr<Process> process_;
};

// The line of `ctr images ls` for `name`: "REF TYPE DIGEST SIZE PLATFORMS LABELS".
std::string line_for(const std::string& listing, const std::string& name) {
    std::istringstream in(listing);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name + " ", 0) == 0)
            return line;
    return {};
}

}  // namespace

TEST_CASE("containerd imports each group archive under the locked names and digests",
          "[oci][containerd]") {
    if (::geteuid() != 0)
        FAIL(
            "this test runs containerd and must run as root (CI does); run it with sudo or skip "
            "[containerd]");
    TempDir dir;
    Layout layout = make_layout(dir / "layout");
    fetch::Cache cache = open_cache(dir / "cache");
    auto options = quick_options();
    Registry registry(dir.path());
    for (const char* tag : {"single", "other", "multi"})
        registry.push(layout.dir, tag, std::string("team/") + tag + ":v1");

    std::map<std::string, std::vector<spec::LockedImage>> groups;
    for (const auto& [group, reference] : std::vector<std::pair<std::string, std::string>>{
             {"app", registry.host() + "/team/multi:v1"},
             {"tools", registry.host() + "/team/single:v1"},
             {"tools", registry.host() + "/team/other@" + layout.top("other").digest}}) {
        auto image = oci::resolve(group, reference, "amd64", cache, options);
        REQUIRE(image);
        groups[group].push_back(*image);
    }
    for (const auto& [group, images] : groups) {
        REQUIRE(oci::fetch_images(images, cache, options));
        REQUIRE(oci::write_layout_archive(images, cache, dir / (group + ".oci.tar")));
    }

    Containerd containerd(dir / "containerd");
    for (const auto& [group, images] : groups) containerd.import(dir / (group + ".oci.tar"));
    std::string listing = containerd.images();
    INFO(listing);
    for (const auto& [group, images] : groups) {
        for (const spec::LockedImage& image : images) {
            std::string line = line_for(listing, image.reference);
            CHECK_FALSE(line.empty());
            CHECK(line.find(image.top.digest) != std::string::npos);
        }
    }
}
