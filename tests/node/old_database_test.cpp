// Setting a joining node's old K3s database aside (node/old_database.h): no snapshot is ever
// deleted, the newest two set-aside databases stay whole, and no link is followed. K3s keeps its
// snapshots in server/db/snapshots and their metadata in server/db/.metadata by default
// (pkg/etcd/snapshot.go, snapshotDir), which is what these fixtures hold.
#include "node/old_database.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.h"

using namespace bundle;
namespace fs = std::filesystem;

namespace {

fs::path server_of(const test::TempDir& root) {
    return root / "var/lib/rancher/k3s/server";
}

// An old database named `name` in server/ with one snapshot holding `content`.
void old_database(const test::TempDir& root, const std::string& name, const std::string& content) {
    test::write_file(server_of(root) / name / "etcd/member/snap/db", "etcd data");
    test::write_file(server_of(root) / name / "snapshots/etcd-snapshot-node-1-1", content);
    test::write_file(server_of(root) / name / ".metadata/etcd-snapshot-node-1-1",
                     "metadata of " + content);
}

}  // namespace

TEST_CASE("no K3s folder and no database: nothing to do", "[node][old_database]") {
    test::TempDir root;
    auto aside = node::set_database_aside(root.path().string(), "20261204T120000Z");
    REQUIRE(aside);
    CHECK_FALSE(aside->moved);
    CHECK(aside->said.empty());
}

TEST_CASE("the database is set aside, the newest two kept, older ones' snapshots kept",
          "[node][old_database][k3s]") {
    test::TempDir root;
    old_database(root, "db", "today");
    old_database(root, "db.20240101T000000Z", "january 1");
    old_database(root, "db.20240102T000000Z", "january 2");
    old_database(root, "db.20240103T000000Z", "january 3");

    auto aside = node::set_database_aside(root.path().string(), "20261204T120000Z");
    REQUIRE(aside);
    CHECK(aside->moved);
    fs::path server = server_of(root);
    CHECK_FALSE(fs::exists(server / "db"));
    CHECK(test::read_file(server / "db.20261204T120000Z/snapshots/etcd-snapshot-node-1-1") ==
          "today");
    CHECK(test::read_file(server / "db.20240103T000000Z/snapshots/etcd-snapshot-node-1-1") ==
          "january 3");
    CHECK_FALSE(fs::exists(server / "db.20240101T000000Z"));
    CHECK_FALSE(fs::exists(server / "db.20240102T000000Z"));
    for (const char* day : {"1", "2"}) {
        fs::path kept =
            server / "snapshots/old-databases" / (std::string("db.2024010") + day + "T000000Z");
        CHECK(test::read_file(kept / "snapshots/etcd-snapshot-node-1-1") ==
              std::string("january ") + day);
        CHECK(test::read_file(kept / ".metadata/etcd-snapshot-node-1-1") ==
              std::string("metadata of january ") + day);
    }
    REQUIRE(aside->said.size() == 3);
    CHECK(aside->said[0].find("moved this node's old database aside") != std::string::npos);
    CHECK(aside->said[1].find("removed the old database " +
                              (server / "db.20240101T000000Z").string()) != std::string::npos);
    CHECK(aside->said[1].find("its snapshots are kept in") != std::string::npos);
}

TEST_CASE("a name taken in the same second gets a suffix", "[node][old_database]") {
    test::TempDir root;
    old_database(root, "db.20261204T120000Z", "first");
    old_database(root, "db", "second");
    auto aside = node::set_database_aside(root.path().string(), "20261204T120000Z");
    REQUIRE(aside);
    fs::path server = server_of(root);
    CHECK(test::read_file(server / "db.20261204T120000Z/snapshots/etcd-snapshot-node-1-1") ==
          "first");
    CHECK(test::read_file(server / "db.20261204T120000Z-2/snapshots/etcd-snapshot-node-1-1") ==
          "second");
}

TEST_CASE("a snapshot that cannot be moved stops the pruning before anything is removed",
          "[node][old_database][k3s]") {
    test::TempDir root;
    old_database(root, "db.20240101T000000Z", "january 1");
    old_database(root, "db.20240102T000000Z", "january 2");
    old_database(root, "db", "today");
    // Where january 1's snapshots would go is taken by a non-empty folder of the same name.
    test::write_file(server_of(root) / "snapshots/old-databases/db.20240101T000000Z/snapshots/x",
                     "in the way");
    auto aside = node::set_database_aside(root.path().string(), "20261204T120000Z");
    REQUIRE_FALSE(aside);
    CHECK(test::read_file(server_of(root) /
                          "db.20240101T000000Z/snapshots/etcd-snapshot-node-1-1") == "january 1");
}

TEST_CASE("a link in place of a set-aside database is removed, its target untouched",
          "[node][old_database][security]") {
    test::TempDir root;
    test::write_file(root / "precious/snapshots/data", "keep");
    fs::create_directories(server_of(root));
    fs::create_directory_symlink(root / "precious", server_of(root) / "db.20240101T000000Z");
    old_database(root, "db.20240102T000000Z", "january 2");
    old_database(root, "db.20240103T000000Z", "january 3");
    auto aside = node::set_database_aside(root.path().string(), "20261204T120000Z");
    REQUIRE(aside);
    CHECK_FALSE(aside->moved);
    CHECK_FALSE(fs::exists(fs::symlink_status(server_of(root) / "db.20240101T000000Z")));
    CHECK(test::read_file(root / "precious/snapshots/data") == "keep");
    CHECK_FALSE(fs::exists(server_of(root) / "snapshots/old-databases/db.20240101T000000Z"));
}
