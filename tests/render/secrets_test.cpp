#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <filesystem>

#include "render/fixture.h"
#include "spec/secrets.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

namespace {

mode_t mode_of(const std::filesystem::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

spec::Cluster cluster_in(const TempDir& dir) {
    spec::Cluster cluster = test::three_node_cluster();
    cluster.file = dir / "cluster.yaml";
    cluster.secrets = dir / "secrets";
    return cluster;
}

}  // namespace

TEST_CASE("init creates every secret private, and load_secrets reads them back", "[spec][secrets]") {
    TempDir dir;
    auto cluster = cluster_in(dir);
    auto created = spec::create_missing_secrets(cluster);
    REQUIRE(created);
    CHECK(created->created.size() == 2 + 1 + 2 * 3);
    CHECK(mode_of(cluster.secrets) == 0700);
    for (const auto& file : spec::required_secret_files(cluster)) {
        INFO(file.path);
        CHECK(mode_of(file.path) == 0600);
    }
    auto secrets = spec::load_secrets(cluster);
    REQUIRE(secrets);
    CHECK(secrets->k3s_token.size() == 64);
    CHECK(secrets->nodes.size() == 3);
    CHECK(secrets->nodes.at("node-1").wireguard_public != secrets->nodes.at("node-2").wireguard_public);
}

TEST_CASE("init never overwrites an existing secret", "[spec][secrets]") {
    TempDir dir;
    auto cluster = cluster_in(dir);
    REQUIRE(spec::create_missing_secrets(cluster));
    std::string token = test::read_file(cluster.secrets / "k3s-token");
    std::string key = test::read_file(cluster.secrets / "wireguard" / "node-2.key");
    std::filesystem::remove(cluster.secrets / "wireguard" / "node-3.key");
    std::filesystem::remove(cluster.secrets / "wireguard" / "node-3.pub");
    auto again = spec::create_missing_secrets(cluster);
    REQUIRE(again);
    CHECK(again->created.size() == 2);  // node-3's pair only
    CHECK(test::read_file(cluster.secrets / "k3s-token") == token);
    CHECK(test::read_file(cluster.secrets / "wireguard" / "node-2.key") == key);
}

TEST_CASE("init with --add-node creates one node's key pair, and only a new one", "[spec][secrets]") {
    TempDir dir;
    auto cluster = cluster_in(dir);
    REQUIRE(spec::create_missing_secrets(cluster));
    spec::Node node;
    node.name = "node-4";
    cluster.nodes.push_back(node);
    auto added = spec::create_missing_secrets(cluster, std::string("node-4"));
    REQUIRE(added);
    CHECK(added->created.size() == 2);
    auto twice = spec::create_missing_secrets(cluster, std::string("node-4"));
    REQUIRE_FALSE(twice);
    CHECK_THAT(twice.error().message, Catch::Contains("not overwriting"));
    auto unknown = spec::create_missing_secrets(cluster, std::string("node-9"));
    REQUIRE_FALSE(unknown);
    CHECK_THAT(unknown.error().message, Catch::Contains("add it to `nodes:` first"));
}

TEST_CASE("half of a key pair is reported, not completed with a new key", "[spec][secrets]") {
    TempDir dir;
    auto cluster = cluster_in(dir);
    REQUIRE(spec::create_missing_secrets(cluster));
    std::filesystem::remove(cluster.secrets / "wireguard" / "node-2.pub");
    auto again = spec::create_missing_secrets(cluster);
    REQUIRE_FALSE(again);
    CHECK(again.error().where == (cluster.secrets / "wireguard" / "node-2.pub").string());
    CHECK_THAT(again.error().message, Catch::Contains("other half of its key pair exists"));
}

TEST_CASE("missing secrets are all reported at once and name bundle init", "[spec][secrets]") {
    TempDir dir;
    auto cluster = cluster_in(dir);
    REQUIRE(spec::create_missing_secrets(cluster));
    std::filesystem::remove(cluster.secrets / "k3s-token");
    std::filesystem::remove(cluster.secrets / "wireguard" / "node-2.key");
    cluster.gitops->deploy_key = true;
    auto secrets = spec::load_secrets(cluster);
    REQUIRE_FALSE(secrets);
    const std::string& message = secrets.error().message;
    CHECK_THAT(message, Catch::Contains("k3s-token") && Catch::Contains("node-2.key") &&
                            Catch::Contains("gitops-deploy-key") && Catch::Contains("bundle init"));
}

TEST_CASE("a secret readable by others, or a public key of another pair, is refused", "[spec][secrets]") {
    TempDir dir;
    auto cluster = cluster_in(dir);
    REQUIRE(spec::create_missing_secrets(cluster));
    std::string token = test::read_file(cluster.secrets / "k3s-token");
    REQUIRE(::chmod((cluster.secrets / "k3s-token").c_str(), 0644) == 0);
    std::filesystem::copy_file(cluster.secrets / "wireguard" / "node-1.pub", cluster.secrets / "wireguard" / "node-2.pub",
                               std::filesystem::copy_options::overwrite_existing);
    auto secrets = spec::load_secrets(cluster);
    REQUIRE_FALSE(secrets);
    const std::string& message = secrets.error().message;
    CHECK_THAT(message, Catch::Contains("readable by other users") && Catch::Contains("node-2.pub") &&
                            Catch::Contains("is not the public key of"));
    CHECK(message.find(token.substr(0, 16)) == std::string::npos);
}

TEST_CASE("a secrets folder open to other users is refused", "[spec][secrets]") {
    TempDir dir;
    auto cluster = cluster_in(dir);
    REQUIRE(spec::create_missing_secrets(cluster));
    REQUIRE(::chmod(cluster.secrets.c_str(), 0755) == 0);
    auto secrets = spec::load_secrets(cluster);
    REQUIRE_FALSE(secrets);
    CHECK_THAT(secrets.error().message, Catch::Contains("chmod 700"));
}
