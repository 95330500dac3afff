#include "spec/cluster.h"
#include "spec/ipv4.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bundle::Code;
using bundle::spec::format_ipv4;
using bundle::spec::load_cluster;
using bundle::spec::parse_cluster;
using bundle::spec::parse_ipv4;
using Catch::Matchers::Contains;

namespace {

const std::string file = "site/cluster.yaml";

// Public keys made for these tests with ssh-keygen; their private halves were thrown away.
const std::string alice_key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGTWNGJpZYDX11FBgj/FD/DDLM/T+0iL5hN755D3VK+1 "
    "alice@laptop";
const std::string ecdsa_key =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCsNtmyb3yQURzw2pf"
    "194nOk3KgZbYs208EzsN00qFsG8soFzIFuV3ASf6POS3TKfn4kstINGOnD4sfizYuIC94=";

// The lines of valid(), with KEY where the authorized key goes.
std::string valid_text() {
    return "apiVersion: bundle/v1\n"                     // 1
           "kind: Cluster\n"                             // 2
           "name: prod\n"                                // 3
           "nodes:\n"                                    // 4
           "  - name: node-1\n"                          // 5
           "    public_ipv4: 203.0.113.10\n"             // 6
           "    mesh_ipv4: 10.6.0.1\n"                   // 7
           "    ssh: debian@203.0.113.10\n"              // 8
           "  - name: node-2\n"                          // 9
           "    public_ipv4: 203.0.113.11\n"             // 10
           "    mesh_ipv4: 10.6.0.2\n"                   // 11
           "  - name: node-3\n"                          // 12
           "    public_ipv4: 198.51.100.7\n"             // 13
           "    mesh_ipv4: 10.6.0.3\n"                   // 14
           "ssh_authorized_keys:\n"                      // 15
           "  - KEY\n"                                   // 16
           "bundle_sources:\n"                           // 17
           "  - https://example.org/releases/{file}\n";  // 18
}

// `text` with the first occurrence of `from` replaced by `to`.
std::string with(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// A valid three-node definition; tests change one line of it or append keys from line 19 on.
std::string valid() {
    return with(valid_text(), "KEY", alice_key);
}

// The valid definition with its 18 lines followed by `extra`, from line 19 on.
std::string valid_plus(std::string_view extra) {
    return valid() + std::string(extra);
}

// A valid definition whose `nodes` key (line 4) is `nodes_yaml`, followed by keys and sources.
std::string with_nodes(const std::string& nodes_yaml) {
    return "apiVersion: bundle/v1\nkind: Cluster\nname: p\n" + nodes_yaml +
           "ssh_authorized_keys: [" + alice_key + "]\nbundle_sources: ['https://h/{file}']\n";
}

// The message of the error `yaml` must give: one invalid_input error whose lines each name
// their own place.
std::string errors_of(std::string_view yaml) {
    auto cluster = parse_cluster(yaml, file);
    REQUIRE_FALSE(cluster);
    CHECK(cluster.error().code == Code::invalid_input);
    CHECK(cluster.error().where.empty());
    return cluster.error().message;
}

// Checks that `yaml` gives exactly one error line, at "line:col", whose text contains `phrase`.
void check_error(std::string_view yaml, std::string_view position, std::string_view phrase) {
    const std::string message = errors_of(yaml);
    INFO(message);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.starts_with(file + ":" + std::string(position) + ": "));
    CHECK_THAT(message, Contains(std::string(phrase)));
}

}  // namespace

TEST_CASE("a valid three-node definition gives exactly the expected cluster", "[spec][cluster]") {
    auto cluster = parse_cluster(valid(), file);
    REQUIRE(cluster);
    CHECK(cluster->name == "prod");
    CHECK(cluster->file == file);
    CHECK(cluster->secrets == fs::path("site/secrets"));
    CHECK(cluster->mesh.subnet == "10.6.0.0/24");
    CHECK(cluster->mesh.network == 0x0a060000u);
    CHECK(cluster->mesh.prefix == 24);
    CHECK(cluster->mesh.port == 51820);
    CHECK(cluster->mesh.agent_port == 7443);
    REQUIRE(cluster->nodes.size() == 3);
    const auto& first = cluster->nodes[0];
    CHECK(first.name == "node-1");
    CHECK(first.public_ipv4 == "203.0.113.10");
    CHECK(first.mesh_ipv4 == "10.6.0.1");
    CHECK(first.ssh == "debian@203.0.113.10");
    CHECK(first.where.file == file);
    CHECK(first.where.line == 5);
    CHECK(first.where.column == 5);
    CHECK(cluster->nodes[1].name == "node-2");
    CHECK_FALSE(cluster->nodes[1].ssh);
    CHECK(cluster->nodes[2].public_ipv4 == "198.51.100.7");
    CHECK(cluster->nodes[2].where.line == 12);
    CHECK(cluster->ssh_authorized_keys == std::vector<std::string>{alice_key});
    CHECK(cluster->tls_names.empty());
    CHECK_FALSE(cluster->gitops);
    CHECK(cluster->bundle_sources ==
          std::vector<std::string>{"https://example.org/releases/{file}"});
    CHECK(cluster->find_node("node-3") == &cluster->nodes[2]);
    CHECK(cluster->find_node("node-4") == nullptr);
}

TEST_CASE("the optional sections are read with their values", "[spec][cluster]") {
    auto cluster =
        parse_cluster(with(valid_plus("mesh:\n"
                                      "  subnet: 10.6.0.0/16\n"
                                      "  port: 51000\n"
                                      "  agent_port: 7000\n"
                                      "tls_names: [k8s.example.org, 203.0.113.1]\n"
                                      "gitops:\n"
                                      "  repository: git@github.com:acme/c.git\n"
                                      "  revision: v1.2\n"
                                      "  path: clusters/prod\n"
                                      "  deploy_key: true\n"
                                      "secrets: ../keys/\n"),
                           "  - " + alice_key, "  - " + alice_key + "\n  - " + ecdsa_key),
                      file);
    REQUIRE(cluster);
    CHECK(cluster->mesh.subnet == "10.6.0.0/16");
    CHECK(cluster->mesh.network == 0x0a060000u);
    CHECK(cluster->mesh.prefix == 16);
    CHECK(cluster->mesh.port == 51000);
    CHECK(cluster->mesh.agent_port == 7000);
    CHECK(cluster->tls_names == std::vector<std::string>{"k8s.example.org", "203.0.113.1"});
    REQUIRE(cluster->gitops);
    CHECK(cluster->gitops->repository == "git@github.com:acme/c.git");
    CHECK(cluster->gitops->revision == "v1.2");
    CHECK(cluster->gitops->path == "clusters/prod");
    CHECK(cluster->gitops->deploy_key);
    CHECK(cluster->ssh_authorized_keys == std::vector<std::string>{alice_key, ecdsa_key});
    CHECK(cluster->secrets == fs::path("keys"));
}

TEST_CASE("the commented example in cloud-init/ parses cleanly", "[spec][cluster]") {
    const fs::path example = fs::path(BUNDLE_TEST_DATA).parent_path().parent_path() / "cloud-init" /
                             "cluster.example.yaml";
    auto cluster = load_cluster(example);
    INFO((cluster ? "" : cluster.error().describe()));
    REQUIRE(cluster);
    CHECK(cluster->nodes.size() == 3);
    CHECK(cluster->nodes[2].mesh_ipv4 == "10.6.0.3");
    CHECK(cluster->gitops);
    CHECK(cluster->secrets == example.parent_path() / "secrets");
}

TEST_CASE("a file that cannot be read or is too large is refused unparsed", "[spec][cluster]") {
    bundle::test::TempDir dir;
    auto missing = load_cluster(dir / "cluster.yaml");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Code::io);
    bundle::test::write_file(dir / "big.yaml", std::string(1024 * 1024 + 1, '#'));
    auto big = load_cluster(dir / "big.yaml");
    REQUIRE_FALSE(big);
    CHECK(big.error().code == Code::invalid_input);
    CHECK_THAT(big.error().message, Contains("more than the 1 MiB allowed"));
}

TEST_CASE("apiVersion and kind must be exactly bundle/v1 and Cluster", "[spec][cluster]") {
    CHECK(errors_of(with(with(valid(), "bundle/v1", "bundle/v2"), "Cluster", "Image")) ==
          file + ":1:13: apiVersion must be 'bundle/v1', found 'bundle/v2'\n" + file +
              ":2:7: kind must be 'Cluster', found 'Image'");
}

TEST_CASE("an unknown key is reported with the expected keys", "[spec][cluster]") {
    check_error(valid_plus("tls_name: [a]\n"), "19:1", "unknown key 'tls_name' in cluster");
    check_error(
        with(valid(), "    mesh_ipv4: 10.6.0.2\n", "    mesh_ipv4: 10.6.0.2\n    role: x\n"),
        "12:5", "unknown key 'role' in node");
}

TEST_CASE("a key given twice is reported at the second", "[spec][cluster]") {
    check_error(valid_plus("name: other\n"), "19:1",
                "duplicate key 'name' in cluster (first at line 3)");
}

TEST_CASE("missing required keys are each named", "[spec][cluster]") {
    CHECK(errors_of("apiVersion: bundle/v1\nkind: Cluster\n") ==
          file + ":1:1: missing required key 'name' in cluster\n" + file +
              ":1:1: missing required key 'nodes' in cluster\n" + file +
              ":1:1: missing required key 'ssh_authorized_keys' in cluster\n" + file +
              ":1:1: missing required key 'bundle_sources' in cluster");
    check_error(with(valid(), "    mesh_ipv4: 10.6.0.2\n", ""), "9:5",
                "missing required key 'mesh_ipv4' in node");
}

TEST_CASE("values of the wrong type are reported", "[spec][cluster]") {
    check_error(with(valid(), "name: prod", "name: [prod]"), "3:7",
                "'name' must be a scalar, found a sequence");
    check_error(with_nodes("nodes: {a: b}\n"), "4:8", "nodes must be a sequence, found a mapping");
    check_error(with(valid(), "  - " + alice_key, "  - {key: x}"), "16:5",
                "an item of 'ssh_authorized_keys' must be a scalar, found a mapping");
    check_error(
        with(valid(), "  - name: node-2\n    public_ipv4: 203.0.113.11\n    mesh_ipv4: 10.6.0.2\n",
             "  - [node-2]\n"),
        "9:5", "node must be a mapping, found a sequence");
    check_error("[1, 2]\n", "1:1", "cluster must be a mapping, found a sequence");
    check_error(valid_plus("mesh: 10.6.0.0/24\n"), "19:7",
                "mesh must be a mapping, found a scalar");
    check_error(valid_plus("gitops: [a]\n"), "19:9", "gitops must be a mapping, found a sequence");
    check_error(valid_plus("tls_names: k8s.example.org\n"), "19:12",
                "'tls_names' must be a sequence, found a scalar");
}

TEST_CASE("a cluster name must be a DNS label", "[spec][cluster]") {
    check_error(with(valid(), "name: prod", "name: Prod_1"), "3:7",
                "cluster name must match [a-z0-9]([a-z0-9-]*[a-z0-9])?, found 'Prod_1'");
    check_error(with(valid(), "name: prod", "name: prod-"), "3:7", "found 'prod-'");
}

TEST_CASE("a node name must be a DNS label of at most 63 characters", "[spec][cluster]") {
    check_error(with(valid(), "name: node-2", "name: node.2"), "9:11",
                "node name must match [a-z0-9]([a-z0-9-]*[a-z0-9])?, found 'node.2'");
    check_error(with(valid(), "name: node-2", "name: " + std::string(64, 'n')), "9:11",
                "node name is longer than 63 characters");
}

TEST_CASE("a cluster or node name must be a string to YAML 1.1", "[spec][cluster]") {
    auto [name, phrase] = GENERATE(table<std::string, std::string>({
        {"123", "is read as a number by cloud-init's YAML (YAML 1.1); pick a name with a letter"},
        {"017", "is read as a number by cloud-init's YAML"},
        {"0", "is read as a number by cloud-init's YAML"},
        {"2024-01-02", "is read as a date by cloud-init's YAML"},
        {"1-2", "has no letter; YAML 1.1 (cloud-init's YAML) reads many such names as numbers"},
        {"yes", "is read as a boolean by cloud-init's YAML (YAML 1.1); pick another name"},
        {"no", "is read as a boolean by cloud-init's YAML"},
        {"on", "is read as a boolean by cloud-init's YAML"},
        {"off", "is read as a boolean by cloud-init's YAML"},
        {"true", "is read as a boolean by cloud-init's YAML"},
        {"'false'", "is read as a boolean by cloud-init's YAML"},
        {"y", "is read as a boolean by YAML 1.1 readers"},
        {"n", "is read as a boolean by YAML 1.1 readers"},
        {"'null'", "is read as null by cloud-init's YAML"},
        {"0x1f", "is read as a number by cloud-init's YAML (YAML 1.1); pick a name that starts"},
        {"0b101", "is read as a number by cloud-init's YAML"},
        {"0o17", "is read as a number by YAML 1.2 readers"},
        {"1e3", "is read as a number by YAML 1.2 readers"},
        {"12e-3", "is read as a number by YAML 1.2 readers"},
    }));
    std::string plain = name;
    plain.erase(std::remove(plain.begin(), plain.end(), '\''), plain.end());
    check_error(with(valid(), "name: prod", "name: " + name), "3:7",
                "cluster name '" + plain + "' " + phrase);
    check_error(with(valid(), "name: node-2", "name: " + name), "9:11",
                "node name '" + plain + "' " + phrase);
    auto fine = GENERATE(as<std::string>{}, "n1", "yes-1", "on2", "nil", "no-1", "0x", "0xg1", "1e",
                         "e3", "1e3a", "0b102", "0o8", "2024-01-02a", "null0", "x123");
    CHECK(parse_cluster(with(valid(), "name: node-2", "name: " + fine), file));
}

TEST_CASE("the mesh subnet must be an IPv4 subnet", "[spec][cluster]") {
    check_error(valid_plus("mesh:\n  subnet: 10.6.0.0\n"), "20:11",
                "subnet '10.6.0.0' must be an IPv4 subnet written address/prefix");
    check_error(valid_plus("mesh:\n  subnet: 10.6.0.0/031\n"), "20:11",
                "must have a prefix length from 8 to 30");
}

TEST_CASE("the mesh prefix must be from 8 to 30", "[spec][cluster]") {
    check_error(valid_plus("mesh:\n  subnet: 10.6.0.0/31\n"), "20:11",
                "subnet '10.6.0.0/31' must have a prefix length from 8 to 30");
    check_error(valid_plus("mesh:\n  subnet: 10.0.0.0/7\n"), "20:11",
                "must have a prefix length from 8 to 30");
}

TEST_CASE("a mesh subnet with host bits set names its network address", "[spec][cluster]") {
    check_error(valid_plus("mesh:\n  subnet: 10.6.0.1/24\n"), "20:11",
                "subnet '10.6.0.1/24' has host bits set; the network address is 10.6.0.0/24");
}

TEST_CASE("the mesh subnet must lie inside private address space", "[spec][cluster]") {
    auto subnet = GENERATE(as<std::string>{}, "11.0.0.0/24", "8.0.0.0/8", "172.0.0.0/8",
                           "172.32.0.0/16", "192.168.0.0/15", "100.0.0.0/8", "203.0.113.0/24");
    check_error(valid_plus("mesh:\n  subnet: " + subnet + "\n"), "20:11",
                "mesh.subnet " + subnet +
                    " is not private address space; it must lie inside 10.0.0.0/8, "
                    "172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10");
}

TEST_CASE("the mesh subnet must not overlap K3s's pod or service range", "[spec][cluster]") {
    auto [subnet, phrase] = GENERATE(table<std::string, std::string>({
        {"10.0.0.0/8", "mesh.subnet 10.0.0.0/8 overlaps K3s's pod range 10.42.0.0/16"},
        {"10.32.0.0/11", "mesh.subnet 10.32.0.0/11 overlaps K3s's pod range 10.42.0.0/16"},
        {"10.42.0.0/15", "mesh.subnet 10.42.0.0/15 overlaps K3s's pod range 10.42.0.0/16"},
        {"10.42.7.0/24", "mesh.subnet 10.42.7.0/24 overlaps K3s's pod range 10.42.0.0/16"},
        {"10.43.128.0/30", "mesh.subnet 10.43.128.0/30 overlaps K3s's service range 10.43.0.0/16"},
    }));
    check_error(valid_plus("mesh:\n  subnet: " + subnet + "\n"), "20:11", phrase);
}

TEST_CASE("private mesh subnets clear of K3s's ranges are accepted", "[spec][cluster]") {
    auto [subnet, first_three] = GENERATE(table<std::string, std::string>({
        {"10.6.0.0/24", "10.6.0."},
        {"10.44.0.0/16", "10.44.0."},
        {"10.41.0.0/16", "10.41.0."},
        {"172.16.0.0/12", "172.16.0."},
        {"192.168.0.0/16", "192.168.0."},
        {"100.64.0.0/10", "100.64.0."},
    }));
    std::string text = valid_plus("mesh:\n  subnet: " + subnet + "\n");
    for (auto at = text.find("10.6.0."); at != std::string::npos;
         at = text.find("10.6.0.", at + first_three.size()))
        text.replace(at, 7, first_three);
    auto cluster = parse_cluster(text, file);
    INFO((cluster ? "" : cluster.error().message));
    REQUIRE(cluster);
    CHECK(cluster->mesh.subnet == subnet);
}

TEST_CASE("mesh ports must be integers from 1 to 65535", "[spec][cluster]") {
    auto text = GENERATE(as<std::string>{}, "0", "65536", "abc", "\"7443\"", "07443", "-1", "1.5");
    check_error(valid_plus("mesh:\n  agent_port: " + text + "\n"), "20:15",
                "'agent_port' must be an integer from 1 to 65535");
}

TEST_CASE("the agent port must differ from the WireGuard port", "[spec][cluster]") {
    check_error(valid_plus("mesh:\n  port: 7000\n  agent_port: 7000\n"), "21:15",
                "agent_port must differ from port (both are 7000)");
    check_error(valid_plus("mesh:\n  agent_port: 51820\n"), "20:15",
                "agent_port must differ from port (both are 51820)");
    check_error(valid_plus("mesh:\n  port: 7443\n"), "20:9",
                "agent_port must differ from port (both are 7443)");
}

TEST_CASE("the WireGuard port must not be Cilium's VXLAN port", "[spec][cluster]") {
    check_error(valid_plus("mesh:\n  port: 8472\n"), "20:9",
                "port 8472 is taken by Cilium's VXLAN overlay (UDP); pick a port nothing else");
}

TEST_CASE("the agent port must not be a port the nodes already use", "[spec][cluster]") {
    auto [port, user] = GENERATE(table<std::string, std::string>({
        {"22", "SSH"},
        {"80", "HTTP"},
        {"443", "HTTPS"},
        {"6443", "the K3s API server"},
        {"2379", "etcd's client port"},
        {"2380", "etcd's peer port"},
        {"10250", "the kubelet"},
        {"10256", "kube-proxy's health check"},
        {"4240", "Cilium's health checks"},
        {"4244", "Hubble's server"},
        {"4245", "Hubble Relay"},
        {"9962", "Cilium's agent metrics"},
        {"9963", "Cilium's operator metrics"},
        {"9964", "Cilium's Envoy metrics"},
    }));
    check_error(valid_plus("mesh:\n  agent_port: " + port + "\n"), "20:15",
                "agent_port " + port + " is taken by " + user + "; pick a port nothing else");
    // Only the protocol each service uses is taken: TCP 8472 and UDP 6443 are free.
    CHECK(parse_cluster(valid_plus("mesh:\n  port: 6443\n  agent_port: 8472\n"), file));
}

TEST_CASE("an even number of nodes is refused with the reason", "[spec][cluster]") {
    check_error(with(valid(),
                     "  - name: node-3\n    public_ipv4: 198.51.100.7\n"
                     "    mesh_ipv4: 10.6.0.3\n",
                     ""),
                "5:3", "HA etcd needs an odd number of servers to keep a majority");
}

TEST_CASE("a cluster has from 1 to 7 nodes", "[spec][cluster]") {
    check_error(with_nodes("nodes: []\n"), "4:8", "nodes must list at least one node");
    std::string nine = "nodes:\n";
    for (int i = 1; i <= 9; ++i) {
        nine += "  - {name: n" + std::to_string(i) + ", public_ipv4: 203.0.113." +
                std::to_string(i) + ", mesh_ipv4: 10.6.0." + std::to_string(i) + "}\n";
    }
    check_error(with_nodes(nine), "5:3", "nodes lists 9 nodes; at most 7 are supported");
    auto one = parse_cluster(with(with(valid(),
                                       "  - name: node-2\n    public_ipv4: 203.0.113.11\n"
                                       "    mesh_ipv4: 10.6.0.2\n",
                                       ""),
                                  "  - name: node-3\n    public_ipv4: 198.51.100.7\n"
                                  "    mesh_ipv4: 10.6.0.3\n",
                                  ""),
                             file);
    CHECK(one);
}

TEST_CASE("an address must be a strict dotted quad", "[spec][cluster]") {
    auto text = GENERATE(as<std::string>{}, "203.0.113.010", "203.0.113", "203.0.113.256",
                         "203.0.113.1.1", "0xcb.0.113.1", "203.0.113.1/32", "host.example");
    check_error(with(valid(), "203.0.113.11", text), "10:18",
                "'public_ipv4' '" + text + "' is not an IPv4 address");
}

TEST_CASE("a public address in a special range is refused with the range", "[spec][cluster]") {
    auto [address, range] = GENERATE(table<std::string, std::string>({
        {"0.1.2.3", "0.0.0.0/8"},
        {"10.1.2.3", "10.0.0.0/8, a private network"},
        {"127.0.0.1", "127.0.0.0/8, loopback"},
        {"169.254.1.1", "169.254.0.0/16, link-local"},
        {"172.16.0.1", "172.16.0.0/12, a private network"},
        {"172.31.255.254", "172.16.0.0/12"},
        {"192.168.1.1", "192.168.0.0/16, a private network"},
        {"100.64.0.1", "100.64.0.0/10, shared address space"},
        {"100.127.255.1", "100.64.0.0/10"},
        {"224.0.0.1", "224.0.0.0/4, multicast"},
        {"240.0.0.1", "240.0.0.0/4, reserved"},
        {"255.255.255.255", "the limited broadcast address"},
    }));
    check_error(with(valid(), "203.0.113.11", address), "10:18",
                "public_ipv4 " + address + " is not a public address: it is in " + range);
}

TEST_CASE("public addresses next to the special ranges and documentation ranges are accepted",
          "[spec][cluster]") {
    auto address = GENERATE(as<std::string>{}, "1.1.1.1", "9.255.255.255", "11.0.0.1",
                            "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
                            "192.0.2.1", "198.51.100.1", "203.0.113.254", "223.255.255.254");
    CHECK(parse_cluster(with(valid(), "203.0.113.11", address), file));
}

TEST_CASE("a mesh address must lie inside the mesh subnet", "[spec][cluster]") {
    check_error(with(valid(), "mesh_ipv4: 10.6.0.2", "mesh_ipv4: 10.7.0.2"), "11:16",
                "mesh_ipv4 10.7.0.2 is outside mesh.subnet 10.6.0.0/24");
}

TEST_CASE("a mesh address must not be the subnet's network or broadcast address",
          "[spec][cluster]") {
    check_error(with(valid(), "mesh_ipv4: 10.6.0.2", "mesh_ipv4: 10.6.0.0"), "11:16",
                "mesh_ipv4 10.6.0.0 is the network address of mesh.subnet 10.6.0.0/24");
    check_error(with(valid(), "mesh_ipv4: 10.6.0.2", "mesh_ipv4: 10.6.0.255"), "11:16",
                "mesh_ipv4 10.6.0.255 is the broadcast address of mesh.subnet 10.6.0.0/24");
}

TEST_CASE("a duplicate node name names the line of the first", "[spec][cluster]") {
    check_error(with(valid(), "name: node-3", "name: node-1"), "12:11",
                "duplicate node name 'node-1' (first at line 5)");
}

TEST_CASE("a duplicate public address names the line of the first", "[spec][cluster]") {
    check_error(with(valid(), "198.51.100.7", "203.0.113.10"), "13:18",
                "duplicate public_ipv4 '203.0.113.10' (first at line 6)");
}

TEST_CASE("a duplicate mesh address names the line of the first", "[spec][cluster]") {
    check_error(with(valid(), "mesh_ipv4: 10.6.0.3", "mesh_ipv4: 10.6.0.2"), "14:16",
                "duplicate mesh_ipv4 '10.6.0.2' (first at line 11)");
}

TEST_CASE("an ssh target must be user@host that ssh cannot take for an option", "[spec][cluster]") {
    auto [target, phrase] = GENERATE(table<std::string, std::string>({
        {"-oProxyCommand=x@h", "must not start with '-' (ssh would take it as an option)"},
        {"\"debian@host x\"", "must not contain spaces or control characters"},
        {"203.0.113.10", "must be written user@host"},
        {"a@b@c", "must be written user@host"},
        {"debian@", "must be written user@host"},
        {"debian@-host", "must not name a host starting with '-'"},
    }));
    check_error(with(valid(), "debian@203.0.113.10", target), "8:10", phrase);
}

TEST_CASE("at least one authorized key is required", "[spec][cluster]") {
    check_error(with(valid(), "ssh_authorized_keys:\n  - " + alice_key, "ssh_authorized_keys: []"),
                "15:22", "'ssh_authorized_keys' must list at least one OpenSSH public key");
    check_error(with(valid(), "  - " + alice_key + "\n", ""), "15:1",
                "'ssh_authorized_keys' must list at least one OpenSSH public key");
}

TEST_CASE("an authorized key must be an OpenSSH public key line", "[spec][cluster]") {
    const std::string blob = "AAAAC3NzaC1lZDI1NTE5AAAAIGTWNGJpZYDX11FBgj/FD/DDLM/T+0iL5hN755D3VK+1";
    auto [line, phrase] = GENERATE_COPY(table<std::string, std::string>({
        {"ssh-dss " + blob, "unknown key type 'ssh-dss' (expected one of: ssh-ed25519, "},
        {"\"-----BEGIN OPENSSH PRIVATE KEY-----\"", "this is a PEM block (a private key?)"},
        {"SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", "this is a key fingerprint"},
        {"ssh-ed25519", "the key type 'ssh-ed25519' is not followed by the base64 key"},
        {"ssh-ed25519 " + blob.substr(0, 40), "the ssh-ed25519 key data is cut short or damaged"},
        {"ssh-ed25519 " + blob.substr(0, 41), "the key is not valid base64"},
        {"ssh-ed25519 " + blob + blob, "the ssh-ed25519 key data is cut short or damaged"},
        {"ssh-ed25519 " + blob + "=", "the key is not valid base64"},
        {"ssh-ed25519 AAAA*AAA", "the key is not valid base64"},
        {"ssh-rsa " + blob, "the key data is not a 'ssh-rsa' key (it is 'ssh-ed25519')"},
        {"ssh-ed25519 AAAAAAAA", "the ssh-ed25519 key data is cut short or damaged"},
    }));
    check_error(with(valid(), alice_key, line), "16:5", "ssh_authorized_keys: " + phrase);
}

TEST_CASE("an authorized key must not have a line break inside", "[spec][cluster]") {
    check_error(with(valid(), "  - " + alice_key, "  - |\n    " + alice_key), "16:5",
                "a key must be on one line; this one has a line break inside");
}

TEST_CASE("an authorized key must not contain DEL", "[spec][cluster]") {
    check_error(with(valid(), "alice@laptop", "alice\x7f@laptop"), "16:5",
                "a key line must not contain control characters (found U+007F)");
}

TEST_CASE("an authorized key must not contain C1 control characters", "[spec][cluster]") {
    auto [bytes, name] = GENERATE(table<std::string, std::string>({
        {"\xc2\x80", "U+0080"},
        {"\xc2\x9b", "U+009B"},
        {"\xc2\x9f", "U+009F"},
    }));
    check_error(with(valid(), "alice@laptop", "alice" + bytes + "@laptop"), "16:5",
                "a key line must not contain control characters (found " + name + ")");
    // Characters on either side of C1 are fine: U+007E and U+00A0, U+00E9.
    CHECK(parse_cluster(with(valid(), "alice@laptop", "al~ice\xc2\xa0\xc3\xa9@laptop"), file));
}

TEST_CASE("an authorized key must be valid UTF-8", "[spec][cluster]") {
    auto bytes = GENERATE(as<std::string>{}, "\xe9", "\x80", "\xc3", "\xc0\xa9", "\xe0\x80\xa9",
                          "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80");
    check_error(with(valid(), "alice@laptop", "alic" + bytes + "@laptop"), "16:5",
                "a key line must be valid UTF-8 (byte ");
    CHECK(parse_cluster(with(valid(), "alice@laptop", "alic\xf0\x9f\x94\x91@laptop"), file));
}

TEST_CASE("an authorized key must not hold a line break YAML 1.1 reads", "[spec][cluster]") {
    auto [bytes, name] = GENERATE(table<std::string, std::string>({
        {"\xc2\x85", "U+0085"},
        {"\xe2\x80\xa8", "U+2028"},
        {"\xe2\x80\xa9", "U+2029"},
    }));
    check_error(with(valid(), "alice@laptop", "alice" + bytes + "@laptop"), "16:5",
                "a key must be on one line; this one has a line break inside (" + name);
}

TEST_CASE("tls_names are DNS names or IPv4 addresses", "[spec][cluster]") {
    auto [name, phrase] = GENERATE(table<std::string, std::string>({
        {"203.0.113.300", "'203.0.113.300' is not a valid IPv4 address"},
        {"-k8s.example.org", "is neither an IPv4 address nor a DNS name"},
        {"k8s..example.org", "is neither an IPv4 address nor a DNS name"},
        {"k8s_api.example.org", "is neither an IPv4 address nor a DNS name"},
        {"'*.example.org'", "is neither an IPv4 address nor a DNS name"},
        {"k8s.example.org.", "must not end with a dot"},
    }));
    check_error(valid_plus("tls_names:\n  - " + name + "\n"), "20:5", phrase);
    CHECK(parse_cluster(valid_plus("tls_names: [API.Example.org, localhost, 10.6.0.1]\n"), file));
}

TEST_CASE("a gitops repository is https://, ssh:// or git@host:path", "[spec][cluster]") {
    auto [url, phrase] = GENERATE(table<std::string, std::string>({
        {"http://git.example.org/c.git", "must not use plain http://"},
        {"ftp://git.example.org/c.git", "must start with https:// or ssh://, or be written"},
        {"github.com/acme/c", "must start with https:// or ssh://, or be written"},
        {"https://user:pw@github.com/acme/c.git", "must not carry credentials"},
        {"ssh://git:pw@github.com/acme/c.git", "must not carry a password"},
        {"ssh://github.com", "must name a repository path after the host"},
        {"git@:acme/c.git", "must name a host between '@' and ':'"},
        {"'git@github.com:'", "must name a repository path after ':'"},
        {"'https://github.com/acme/c .git'", "must be printable ASCII without spaces"},
    }));
    check_error(valid_plus("gitops:\n  repository: " + url + "\n  revision: main\n  path: .\n"),
                "20:15", phrase);
    auto good = GENERATE(as<std::string>{}, "https://github.com/acme/c.git",
                         "ssh://git@github.com:2222/acme/c.git", "git@gitlab.com:acme/c.git");
    CHECK(parse_cluster(valid_plus("gitops:\n  repository: " + good +
                                   "\n  revision: main\n  path: .\n  deploy_key: false\n"),
                        file));
}

TEST_CASE("an ssh:// gitops repository names a user that does not start with '-'",
          "[spec][cluster]") {
    auto url = GENERATE(as<std::string>{}, "ssh://-oProxyCommand=x@github.com/acme/c.git",
                        "ssh://-git@github.com:22/acme/c.git", "ssh://@github.com/acme/c.git");
    check_error(valid_plus("gitops:\n  repository: " + url + "\n  revision: main\n  path: .\n"),
                "20:15", "an ssh:// URL must name a user before '@' that does not start with '-'");
}

TEST_CASE("an ssh:// gitops repository's port is a number from 1 to 65535", "[spec][cluster]") {
    auto url = GENERATE(as<std::string>{}, "ssh://git@github.com:-oProxyCommand=x/acme/c.git",
                        "ssh://git@github.com:/acme/c.git", "ssh://git@github.com:0/acme/c.git",
                        "ssh://git@github.com:65536/acme/c.git", "ssh://git@github.com:22x/a.git",
                        "ssh://git@[2001:db8::1]x/acme/c.git");
    check_error(valid_plus("gitops:\n  repository: " + url + "\n  revision: main\n  path: .\n"),
                "20:15", "an ssh:// URL's port must be a number from 1 to 65535");
    auto good = GENERATE(as<std::string>{}, "ssh://github.com/acme/c.git",
                         "ssh://git@github.com:65535/acme/c.git", "ssh://git@[2001:db8::1]/a.git",
                         "ssh://git@[2001:db8::1]:22/a.git");
    CHECK(parse_cluster(
        valid_plus("gitops:\n  repository: " + good + "\n  revision: main\n  path: .\n"), file));
}

TEST_CASE("a gitops revision must not start with '-'", "[spec][cluster]") {
    check_error(valid_plus("gitops:\n  repository: https://h/r.git\n  revision: "
                           "--upload-pack=touch\n  path: x\n"),
                "21:13", "revision must not start with '-' (git would take it for an option)");
}

TEST_CASE("no gitops value or bundle source holds a line break or NUL", "[spec][cluster]") {
    // Written as YAML double-quoted escapes, so the parsed value holds the character itself.
    auto bad = GENERATE(as<std::string>{}, "\\n", "\\r", "\\0", "\\t", "\\x7f", "\\u2028");
    const std::string gitops =
        "gitops:\n  repository: https://h/r.git\n  revision: main\n"
        "  path: x\n";
    check_error(with(valid(), "https://example.org/releases/{file}",
                     "\"https://example.org/re" + bad + "leases/{file}\""),
                "18:5", "a URL must be printable ASCII without spaces");
    check_error(valid_plus(with(gitops, "https://h/r.git", "\"https://h/r" + bad + ".git\"")),
                "20:15", "must be printable ASCII without spaces");
    check_error(valid_plus(with(gitops, "https://h/r.git", "\"git@h:r" + bad + ".git\"")), "20:15",
                "must be printable ASCII without spaces");
    check_error(valid_plus(with(gitops, "revision: main", "revision: \"ma" + bad + "in\"")),
                "21:13", "revision must be a non-empty branch, tag or commit without spaces");
    check_error(valid_plus(with(gitops, "path: x", "path: \"x" + bad + "y\"")), "22:9",
                "path must be printable ASCII without spaces");
}

TEST_CASE("a gitops revision must not be empty", "[spec][cluster]") {
    check_error(valid_plus("gitops:\n  repository: https://h/r.git\n  revision: \"\"\n  path: x\n"),
                "21:13", "revision must be a non-empty branch, tag or commit");
}

TEST_CASE("a gitops path is relative and stays inside the repository", "[spec][cluster]") {
    auto [path, phrase] = GENERATE(table<std::string, std::string>({
        {"/clusters/prod", "path must be relative to the repository's root"},
        {"..", "path must stay inside the repository (no '..')"},
        {"clusters/../../x", "path must stay inside the repository (no '..')"},
        {"x/..", "path must stay inside the repository (no '..')"},
        {"\"\"", "path must not be empty"},
    }));
    check_error(valid_plus("gitops:\n  repository: https://h/r.git\n  revision: main\n  path: " +
                           path + "\n"),
                "22:9", phrase);
}

TEST_CASE("gitops deploy_key is a boolean for an ssh repository", "[spec][cluster]") {
    const std::string gitops = "gitops:\n  repository: git@h:r.git\n  revision: main\n  path: x\n";
    check_error(valid_plus(gitops + "  deploy_key: yes\n"), "23:15",
                "'deploy_key' must be true or false, found 'yes'");
    check_error(valid_plus(gitops + "  deploy_key: \"true\"\n"), "23:15",
                "'deploy_key' must be true or false, found the string 'true'");
    check_error(valid_plus(with(gitops, "git@h:r.git", "https://h/r.git") + "  deploy_key: true\n"),
                "23:15",
                "deploy_key is an SSH key; it needs an ssh:// or git@host:path repository");
}

TEST_CASE("gitops needs its repository, revision and path", "[spec][cluster]") {
    CHECK(errors_of(valid_plus("gitops:\n  revision: main\n")) ==
          file + ":20:3: missing required key 'repository' in gitops\n" + file +
              ":20:3: missing required key 'path' in gitops");
}

TEST_CASE("at least one bundle source is required", "[spec][cluster]") {
    check_error(with(valid(), "  - https://example.org/releases/{file}\n", ""), "17:1",
                "'bundle_sources' must list at least one URL");
}

TEST_CASE("a bundle source is an http(s) URL without whitespace", "[spec][cluster]") {
    auto [url, phrase] = GENERATE(table<std::string, std::string>({
        {"ftp://example.org/{file}", "a URL must start with http:// or https://"},
        {"'https://example.org/a b/{file}'", "a URL must be printable ASCII without spaces"},
        {"https:///{file}", "a URL must name a host"},
    }));
    check_error(with(valid(), "https://example.org/releases/{file}", url), "18:5", phrase);
    CHECK(parse_cluster(with(valid(), "https://example.org/releases/{file}", "http://h:8080/b"),
                        file));
}

TEST_CASE("{file} is the only placeholder of a bundle source", "[spec][cluster]") {
    auto url = GENERATE(as<std::string>{}, "https://h/{version}/{file}", "https://h/{File}",
                        "https://h/{file", "https://h/file}");
    check_error(with(valid(), "https://example.org/releases/{file}", "'" + url + "'"), "18:5",
                "has a brace that is not part of {file}, the only placeholder");
}

TEST_CASE("secrets must be a non-empty path", "[spec][cluster]") {
    check_error(valid_plus("secrets: [a]\n"), "19:10", "'secrets' must be a scalar");
    check_error(valid_plus("secrets: \"\"\n"), "19:10", "'secrets' must be a non-empty path");
    auto absolute = parse_cluster(valid_plus("secrets: /etc/bundle/secrets\n"), file);
    REQUIRE(absolute);
    CHECK(absolute->secrets == fs::path("/etc/bundle/secrets"));
}

TEST_CASE("a definition with three mistakes reports all three, in file order", "[spec][cluster]") {
    std::string text = with(valid(), "name: prod", "name: Prod");
    text = with(text, "mesh_ipv4: 10.6.0.2", "mesh_ipv4: 10.9.0.2");
    text = with(text, "https://example.org/releases/{file}", "example.org/{file}");
    const std::string message = errors_of(text);
    INFO(message);
    CHECK(message.starts_with(file + ":3:7: cluster name must match"));
    CHECK_THAT(message, Contains("\n" + file + ":11:16: mesh_ipv4 10.9.0.2 is outside"));
    CHECK_THAT(message, Contains("\n" + file + ":18:5: bundle source 'example.org/{file}'"));
    CHECK(std::count(message.begin(), message.end(), '\n') == 2);
}

TEST_CASE("malformed YAML is a syntax error with its position", "[spec][cluster]") {
    check_error(with(valid(), "name: prod", "name: [prod"), "4:6",
                "YAML syntax error: end of sequence flow not found");
    check_error(with(valid(), "kind: Cluster", "kind: Cluster: x"), "2:14",
                "YAML syntax error: illegal map value");
}

TEST_CASE("a tab in the indentation is a syntax error", "[spec][cluster]") {
    check_error(with(valid(), "    mesh_ipv4: 10.6.0.2", "\tmesh_ipv4: 10.6.0.2"), "11:1",
                "YAML syntax error");
}

TEST_CASE("an empty file is reported as such", "[spec][cluster]") {
    check_error("", "1:1", "the file is empty");
    check_error("# only a comment\n", "1:1", "the file is empty");
}

TEST_CASE("a second document is refused", "[spec][cluster]") {
    check_error(valid() + "---\nname: other\n", "19:1", "a second YAML document");
}

TEST_CASE("odd YAML never escapes as an exception", "[spec][cluster]") {
    auto text = GENERATE(as<std::string>{}, "&a [*a]", "{? [a]: b}", "!!binary x", "a: *nope",
                         "nodes: [{name: &n a, public_ipv4: *n}]", "? |\n  a\n: b\n", "\xff\xfe",
                         "%YAML 1.2\n---\n", ",");
    auto cluster = parse_cluster(text, file);
    CHECK_FALSE(cluster);
}

TEST_CASE("parse_ipv4 accepts only the strict dotted quad", "[spec][cluster]") {
    CHECK(parse_ipv4("0.0.0.0") == 0u);
    CHECK(parse_ipv4("255.255.255.255") == 0xffffffffu);
    CHECK(parse_ipv4("10.6.0.1") == 0x0a060001u);
    for (const char* bad : {"", "1.2.3", "1.2.3.4.", ".1.2.3", "01.2.3.4", "1.2.3.256", "1..2.3",
                            "1.2.3.4 ", "+1.2.3.4", "1.2.3.-4", "1.2.3.1000"})
        CHECK_FALSE(parse_ipv4(bad));
    CHECK(format_ipv4(0x0a060001u) == "10.6.0.1");
    CHECK(format_ipv4(0xffffffffu) == "255.255.255.255");
}
