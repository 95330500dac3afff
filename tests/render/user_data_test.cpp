#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "render/embedded.h"
#include "render/fixture.h"
#include "render/networkd.h"
#include "render/node_config.h"
#include "render/user_data.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

namespace {

const std::string kGolden = std::string(BUNDLE_TEST_DATA) + "/render/";

struct Rendered {
    spec::Cluster cluster = test::three_node_cluster();
    spec::Secrets secrets = test::fresh_secrets(cluster);
    render::BundleRef bundle = test::stand_in_bundle(secrets);

    std::string user_data(const std::string& node, const render::UserDataOptions& options = {}) {
        auto data = render::render_user_data(cluster, *cluster.find_node(node), secrets, bundle, options);
        REQUIRE(data);
        return data->text;
    }
    // Every secret and digest of this run replaced by its placeholder.
    std::string generalised(std::string text) {
        for (const auto& [placeholder, value] : test::placeholders(cluster, secrets, bundle))
            text = test::replace_all(text, value, placeholder);
        return text;
    }
};

YAML::Node write_file_entry(const YAML::Node& document, const std::string& path) {
    for (const auto& file : document["write_files"])
        if (file["path"].as<std::string>() == path) return file;
    FAIL("no write_files entry for " << path);
    return {};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("each node's user-data matches its golden file", "[render][golden]") {
    Rendered r;
    for (const auto& node : r.cluster.nodes) {
        std::string golden_path = kGolden + "user-data-" + node.name + ".yaml";
        std::string actual = r.generalised(r.user_data(node.name));
        if (std::getenv("BUNDLE_UPDATE_GOLDEN") != nullptr) test::write_file(golden_path, actual);
        INFO("golden file " << golden_path << " (BUNDLE_UPDATE_GOLDEN=1 rewrites it)");
        CHECK(actual == test::read_file(golden_path));
    }
}

TEST_CASE("user-data is a #cloud-config whose files round-trip through YAML", "[render]") {
    Rendered r;
    std::string text = r.user_data("node-2");
    REQUIRE(text.rfind("#cloud-config\n", 0) == 0);
    YAML::Node document = YAML::Load(text);
    const auto& node = *r.cluster.find_node("node-2");
    CHECK(document["hostname"].as<std::string>() == "node-2");
    CHECK(write_file_entry(document, render::kNetdevPath)["content"].as<std::string>() ==
          render::render_netdev(r.cluster, node, r.secrets));
    CHECK(write_file_entry(document, render::kBootstrapPath)["content"].as<std::string>() ==
          std::string(render::bootstrap_script()));
    YAML::Node config = YAML::Load(write_file_entry(document, render::kNodeConfigPath)["content"].as<std::string>());
    CHECK(config["self"].as<std::string>() == "node-2");
    CHECK(config["nodes"].size() == 3);
    CHECK(config["nodes"][1]["number"].as<int>() == 2);
    CHECK(config["k3s"]["token"].as<std::string>() == r.secrets.k3s_token);
    CHECK(config["k3s"]["settings_digest"].as<std::string>().rfind("sha256:", 0) == 0);
    CHECK(config["bundle"]["sources"][0].as<std::string>() == "https://downloads.example.org/releases/ovh-ha3-7.bundle");
    CHECK(write_file_entry(document, render::kNodeConfigPath)["permissions"].as<std::string>() == "0600");
    CHECK(write_file_entry(document, render::kWireGuardKeyPath)["owner"].as<std::string>() == "root:systemd-network");
    CHECK_THAT(write_file_entry(document, render::kBootstrapUnitPath)["content"].as<std::string>(),
               Catch::Contains("ExecStart=/bin/sh /usr/local/lib/bundle/bootstrap.sh") &&
                   Catch::Contains("Restart=on-failure"));
    CHECK(document["runcmd"][0][0].as<std::string>() == "systemctl");
    CHECK(document["runcmd"][0][4].as<std::string>() == render::kBootstrapUnit);
}

TEST_CASE("cloud-init's schema check accepts every node's user-data", "[render][cloud-init]") {
    if (!test::have_program("cloud-init")) {
        WARN("cloud-init is not installed (ci/setup installs it); skipping");
        return;
    }
    Rendered r;
    TempDir dir;
    for (const auto& node : r.cluster.nodes) {
        auto file = dir / (node.name + ".yaml");
        test::write_file(file, r.user_data(node.name));
        INFO(node.name << ": see " << (dir / "schema.log").string());
        CHECK(test::run({"cloud-init", "schema", "--config-file", file.string()}, dir / "schema.log") == 0);
    }
}

TEST_CASE("the bootstrap script in the user-data is shellcheck-clean", "[render][shellcheck]") {
    REQUIRE(test::have_program("shellcheck"));
    Rendered r;
    TempDir dir;
    YAML::Node document = YAML::Load(r.user_data("node-1"));
    test::write_file(dir / "bootstrap.sh", write_file_entry(document, render::kBootstrapPath)["content"].as<std::string>());
    test::write_file(dir / "bootstrap.env", write_file_entry(document, render::kBootstrapEnvPath)["content"].as<std::string>());
    int script = test::run({"shellcheck", "-s", "sh", (dir / "bootstrap.sh").string()}, dir / "script.log");
    INFO(test::read_file(dir / "script.log"));
    CHECK(script == 0);
    // The settings file is only assignments, used by the script that sources it (SC2034: unused).
    int env = test::run({"shellcheck", "-s", "sh", "-e", "SC2034", (dir / "bootstrap.env").string()}, dir / "env.log");
    INFO(test::read_file(dir / "env.log"));
    CHECK(env == 0);
}

TEST_CASE("the three nodes' user-data differ only in what names the node", "[render]") {
    Rendered r;
    // What may differ: a node's name, addresses and keys (its own, or a peer's in the mesh files).
    auto names_a_node = [&](const std::string& line) {
        for (const auto& node : r.cluster.nodes) {
            const auto& keys = r.secrets.nodes.at(node.name);
            for (const auto& token : {node.name, node.public_ipv4, node.mesh_ipv4, keys.wireguard_private, keys.wireguard_public})
                if (line.find(token) != std::string::npos) return true;
        }
        return false;
    };
    std::vector<std::vector<std::string>> docs;
    for (const auto& node : r.cluster.nodes) docs.push_back(lines_of(r.user_data(node.name)));
    for (std::size_t a = 0; a < docs.size(); ++a)
        for (std::size_t b = a + 1; b < docs.size(); ++b) {
            REQUIRE(docs[a].size() == docs[b].size());
            for (std::size_t i = 0; i < docs[a].size(); ++i) {
                if (docs[a][i] == docs[b][i]) continue;
                INFO("line " << i + 1 << ":\n  " << docs[a][i] << "\n  " << docs[b][i]);
                CHECK(names_a_node(docs[a][i]));
                CHECK(names_a_node(docs[b][i]));
            }
        }
}

TEST_CASE("no node's private key appears in another node's user-data", "[render][secrets]") {
    Rendered r;
    for (const auto& node : r.cluster.nodes) {
        std::string text = r.user_data(node.name);
        for (const auto& other : r.cluster.nodes) {
            bool own = other.name == node.name;
            INFO(node.name << "'s user-data and " << other.name << "'s private key");
            CHECK((text.find(r.secrets.nodes.at(other.name).wireguard_private) != std::string::npos) == own);
        }
        CHECK(text.find((*r.secrets.signing_key.to_pem()).substr(28, 40)) == std::string::npos);
    }
}

TEST_CASE("a user-data over 16 KiB has its largest files gzip-compressed, and stays valid", "[render][size]") {
    Rendered r;
    std::string key = r.cluster.ssh_authorized_keys[0];
    for (int i = 0; i < 60; ++i) r.cluster.ssh_authorized_keys.push_back(key + "-" + std::to_string(i));
    auto data = render::render_user_data(r.cluster, r.cluster.nodes[0], r.secrets, r.bundle);
    REQUIRE(data);
    CHECK(data->text.size() <= render::kMaxUserDataBytes);
    REQUIRE(!data->compressed.empty());
    CHECK(data->compressed[0] == render::kNodeConfigPath);
    YAML::Node entry = write_file_entry(YAML::Load(data->text), render::kNodeConfigPath);
    CHECK(entry["encoding"].as<std::string>() == "gz+b64");
    // The shell's base64 and gzip must give back the plain file.
    TempDir dir;
    test::write_file(dir / "packed", entry["content"].as<std::string>());
    REQUIRE(test::run({"sh", "-c", "base64 -d " + (dir / "packed").string() + " | gzip -dc > " + (dir / "plain").string()},
                      dir / "log") == 0);
    CHECK(test::read_file(dir / "plain") ==
          render::render_node_config(r.cluster, r.cluster.nodes[0], r.secrets, r.bundle, {}));
    if (test::have_program("cloud-init")) {
        test::write_file(dir / "user-data.yaml", data->text);
        CHECK(test::run({"cloud-init", "schema", "--config-file", (dir / "user-data.yaml").string()}, dir / "log") == 0);
    }
}

TEST_CASE("a user-data that cannot fit even compressed is refused with its size", "[render][size]") {
    Rendered r;
    render::UserDataOptions options;
    options.limit = 2000;
    auto data = render::render_user_data(r.cluster, r.cluster.nodes[0], r.secrets, r.bundle, options);
    REQUIRE_FALSE(data);
    CHECK(data.error().where == "node-1");
    CHECK_THAT(data.error().message, Catch::Contains("bytes even with its files compressed") &&
                                         Catch::Contains("at most 2000"));
}

TEST_CASE("the must-match settings digest changes with any setting", "[render]") {
    render::ServerSettings a;
    render::ServerSettings b;
    CHECK(render::settings_digest(a) == render::settings_digest(b));
    b.service_cidr = "10.44.0.0/16";
    CHECK(render::settings_digest(a) != render::settings_digest(b));
    b = a;
    b.disable_kube_proxy = false;
    CHECK(render::settings_digest(a) != render::settings_digest(b));
}

TEST_CASE("bootstrap.env quotes every value for the shell", "[render]") {
    Rendered r;
    r.cluster.bundle_sources = {"https://example.org/a'b/{file}"};
    std::string env = render::render_bootstrap_env(r.cluster, r.cluster.nodes[0], r.bundle);
    CHECK_THAT(env, Catch::Contains("SOURCES='https://example.org/a'\\''b/ovh-ha3-7.bundle'"));
    CHECK_THAT(env, Catch::Contains("PEERS='10.6.0.2 10.6.0.3'"));
}

// Issue 12, point 10: cluster.yaml accepts one node (a staging copy, a trial). Its WireGuard
// interface has no peer (networkd makes it all the same, listening for none), and node.yaml
// lists the node alone, so the firewall gets an empty PEER_PUBLIC_IPS.
TEST_CASE("a one-node cluster's user-data: a WireGuard interface with no peer", "[render][one-node]") {
    Rendered r;
    r.cluster.nodes.resize(1);
    r.secrets = test::fresh_secrets(r.cluster);
    r.bundle = test::stand_in_bundle(r.secrets);
    const auto& node = r.cluster.nodes.front();
    std::string netdev = render::render_netdev(r.cluster, node, r.secrets);
    CHECK_THAT(netdev, Catch::Contains("Kind=wireguard") && Catch::Contains("ListenPort=") &&
                           !Catch::Contains("[WireGuardPeer]"));
    CHECK_THAT(render::render_network(r.cluster, node), Catch::Contains("Address=10.6.0.1/24"));
    YAML::Node document = YAML::Load(r.user_data("node-1"));
    CHECK(write_file_entry(document, render::kNetdevPath)["content"].as<std::string>() == netdev);
    YAML::Node config = YAML::Load(write_file_entry(document, render::kNodeConfigPath)["content"].as<std::string>());
    CHECK(config["nodes"].size() == 1);
}
