// What `bundle image` and `bundle push` choose when not told, the NoCloud meta-data, and the
// trial root's checks.
#include <catch2/catch.hpp>

#include <filesystem>

#include "deliver/defaults.h"
#include "deliver/meta_data.h"
#include "deliver/push.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

TEST_CASE("the default bundle is the one in dist, and only when it is alone", "[deliver]") {
    TempDir t;
    std::string dist = (t / "dist").string();
    auto none = deliver::default_bundle(dist);
    REQUIRE_FALSE(none);
    CHECK(none.error().code == Code::usage);
    CHECK(none.error().message.find("--bundle") != std::string::npos);

    test::write_file(t / "dist/site-3.bundle", "x");
    test::write_file(t / "dist/notes.txt", "x");
    auto one = deliver::default_bundle(dist);
    REQUIRE(one);
    CHECK(*one == (t / "dist/site-3.bundle").string());

    test::write_file(t / "dist/site-2.bundle", "x");
    auto several = deliver::default_bundle(dist);
    REQUIRE_FALSE(several);
    CHECK(several.error().message.find("site-2.bundle") != std::string::npos);
    CHECK(several.error().message.find("site-3.bundle") != std::string::npos);
}

TEST_CASE("the seed image's path", "[deliver]") {
    TempDir t;
    CHECK(deliver::seed_iso_path("", "node-1") == "node-1-seed.iso");
    CHECK(deliver::seed_iso_path("x/my.iso", "node-1") == "x/my.iso");
    CHECK(deliver::seed_iso_path(t.path().string(), "node-2") == (t / "node-2-seed.iso").string());
}

TEST_CASE("meta-data names the cluster, the node and the bundle", "[deliver]") {
    spec::Cluster cluster;
    cluster.name = "prod";
    spec::Node node;
    node.name = "node-2";
    render::BundleRef bundle;
    bundle.sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    CHECK(deliver::render_meta_data(cluster, node, bundle) ==
          "instance-id: prod-node-2-0123456789ab\nlocal-hostname: node-2\n");
}

TEST_CASE("a trial root is an absolute folder other than /", "[deliver]") {
    auto trimmed = deliver::check_trial_root("/tmp/trial//");
    REQUIRE(trimmed);
    CHECK(*trimmed == "/tmp/trial");
    for (const char* bad : {"", "relative", "/", "//", "/tmp/a\nb"}) {
        auto checked = deliver::check_trial_root(bad);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().code == Code::usage);
    }
}
