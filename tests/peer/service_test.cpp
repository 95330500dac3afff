#include "peer/service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "fixture.h"
#include "node/state.h"
#include "peer/removal_auth.h"
#include "support/temp_dir.h"

using namespace bundle;
using peer::HttpRequest;
using peer::HttpResponse;

namespace {

struct Scene {
    test::TempDir root;
    node::NodeConfig config = test::three_nodes("node-1");
    test::FakeRunner runner;
    std::vector<std::string> log;
    std::int64_t now = 1'764'222'001;
    std::unique_ptr<peer::AgentService> service;

    explicit Scene(bool healthy = false) {
        test::answer_readyz(runner, healthy);
        std::filesystem::create_directories(root / "var/lib/bundle/bundles");
        auto created = peer::AgentService::create(
            config, node::StateDir(root.path().string()), runner,
            [this](const std::string& line) { log.push_back(line); }, [this] { return now; });
        REQUIRE(created);
        service = std::move(*created);
    }

    HttpResponse get(const std::string& target, std::map<std::string, std::string> headers = {},
                     const std::string& method = "GET") {
        HttpRequest request;
        request.method = method;
        request.target = target;
        request.headers = std::move(headers);
        request.peer = "127.0.0.2";
        return service->handle(request);
    }

    HttpResponse post_removal(const peer::RemovalRequest& removal) {
        HttpRequest request;
        request.method = "POST";
        request.target = peer::kRemovePath;
        request.body = peer::removal_to_json(removal);
        request.peer = "127.0.0.2";
        return service->handle(request);
    }

    peer::RemovalRequest removal(const std::string& node, std::int64_t at) {
        auto request = peer::sign_removal(*peer::removal_key(config.k3s_token), "node-1",
                                          "127.0.0.1", node, at);
        REQUIRE(request);
        return *request;
    }

    void record_k3s_done() {
        node::InstallState state;
        state.bundle_file = "demo-1.bundle";
        state.bundle_version = 1;
        state.phases_done = {"obtain", "extract", "harden", "mesh", "k3s"};
        state.role = "init";
        REQUIRE(node::write_state(node::StateDir(root.path().string()), state));
    }
};

nlohmann::json body_of(const HttpResponse& response) {
    return nlohmann::json::parse(response.body);
}

std::string file_bytes(const HttpResponse& response) {
    std::string bytes(response.file_length, '\0');
    REQUIRE(::pread(response.file.get(), bytes.data(), bytes.size(),
                    static_cast<off_t>(response.file_offset)) ==
            static_cast<ssize_t>(bytes.size()));
    return bytes;
}

std::string header(const HttpResponse& response, const std::string& name) {
    for (const auto& [n, v] : response.headers)
        if (n == name)
            return v;
    return "";
}

}  // namespace

TEST_CASE("a fresh node reports none", "[peer][state]") {
    Scene scene;
    HttpResponse response = scene.get("/v1/state");
    REQUIRE(response.status == 200);
    auto json = body_of(response);
    CHECK(json["cluster"] == "prod");
    CHECK(json["node"] == "node-1");
    CHECK(json["state"] == "none");
    CHECK(json["healthy"] == false);
    CHECK(json["settings_digest"] == test::kDigest);
    CHECK(json["bundle"]["file"] == "demo-1.bundle");
    CHECK(json["bundle"]["version"] == 1);
}

TEST_CASE("a node with a K3s database but no finished K3s phase reports initialising",
          "[peer][state][safety]") {
    Scene scene;
    std::filesystem::create_directories(scene.root / "var/lib/rancher/k3s/server/db/etcd");
    CHECK(body_of(scene.get("/v1/state"))["state"] == "initialising");
}

TEST_CASE("an unreadable state.json never reports none", "[peer][state][safety]") {
    Scene scene;
    test::write_file(scene.root / "var/lib/bundle/state.json", "{not json");
    CHECK(body_of(scene.get("/v1/state"))["state"] == "initialising");
}

TEST_CASE("after the K3s phase a node is a member, healthy as K3s answers", "[peer][state]") {
    Scene healthy(true);
    healthy.record_k3s_done();
    auto json = body_of(healthy.get("/v1/state"));
    CHECK(json["state"] == "member");
    CHECK(json["healthy"] == true);
    CHECK(healthy.runner.calls.at(0) == std::vector<std::string>{"k3s", "kubectl", "get",
                                                                 "--raw=/readyz",
                                                                 "--request-timeout=5s"});

    Scene down(false);
    down.record_k3s_done();
    json = body_of(down.get("/v1/state"));
    CHECK(json["state"] == "member");
    CHECK(json["healthy"] == false);
}

TEST_CASE("the bundle is served whole and by ranges", "[peer][files]") {
    Scene scene;
    std::string content;
    for (int i = 0; i < 1000; ++i) content += static_cast<char>('a' + i % 26);
    test::write_file(scene.root / "var/lib/bundle/bundles/demo-1.bundle", content);

    HttpResponse whole = scene.get("/bundle/demo-1.bundle");
    REQUIRE(whole.status == 200);
    CHECK(file_bytes(whole) == content);
    CHECK(header(whole, "Accept-Ranges") == "bytes");

    HttpResponse part = scene.get("/bundle/demo-1.bundle", {{"range", "bytes=100-199"}});
    REQUIRE(part.status == 206);
    CHECK(file_bytes(part) == content.substr(100, 100));
    CHECK(header(part, "Content-Range") == "bytes 100-199/1000");

    HttpResponse tail = scene.get("/bundle/demo-1.bundle", {{"range", "bytes=-10"}});
    REQUIRE(tail.status == 206);
    CHECK(file_bytes(tail) == content.substr(990));

    HttpResponse beyond = scene.get("/bundle/demo-1.bundle", {{"range", "bytes=1000-"}});
    CHECK(beyond.status == 416);
    CHECK(header(beyond, "Content-Range") == "bytes */1000");

    CHECK(scene.get("/bundle/demo-1.bundle", {}, "HEAD").status == 200);
    CHECK(scene.get("/bundle/demo-1.bundle", {}, "DELETE").status == 405);
}

TEST_CASE("nothing but a plain regular file of the bundles directory is served",
          "[peer][files][security]") {
    Scene scene;
    test::write_file(scene.root / "secret.txt", "secret");
    test::write_file(scene.root / "var/lib/bundle/state.json", "{}");
    std::filesystem::create_directories(scene.root / "var/lib/bundle/bundles/subdir");
    std::filesystem::create_symlink(scene.root / "secret.txt",
                                    scene.root / "var/lib/bundle/bundles/link.bundle");
    REQUIRE(::mkfifo((scene.root / "var/lib/bundle/bundles/fifo.bundle").c_str(), 0600) == 0);
    for (const char* target :
         {"/bundle/../state.json", "/bundle/..%2fstate.json", "/bundle/%2e%2e/state.json",
          "/bundle/link.bundle", "/bundle/subdir", "/bundle/subdir/", "/bundle/", "/bundle/.hidden",
          "/bundle/fifo.bundle", "/bundle//etc/passwd", "/bundle/demo-1.bundle?x=1",
          "/bundle/missing.bundle"}) {
        INFO(target);
        HttpResponse response = scene.get(target);
        CHECK(response.status == 404);
        CHECK_FALSE(response.file.valid());
    }
}

TEST_CASE("a symbolic link in place of the bundles directory is not followed",
          "[peer][files][security]") {
    Scene scene;
    std::filesystem::remove(scene.root / "var/lib/bundle/bundles");
    test::write_file(scene.root / "elsewhere/demo-1.bundle", "x");
    std::filesystem::create_directory_symlink(scene.root / "elsewhere",
                                              scene.root / "var/lib/bundle/bundles");
    CHECK(scene.get("/bundle/demo-1.bundle").status == 404);
}

TEST_CASE("an authenticated removal deletes the node, and its replay is refused",
          "[peer][removal][security]") {
    Scene scene(true);
    scene.record_k3s_done();
    scene.runner.answer = [](const node::Command& command) {
        node::CommandResult result;
        if (command.argv.size() > 3 && command.argv[3] == "--raw=/readyz")
            result.output = "ok\n";
        if (command.argv.size() > 4 && command.argv[2] == "delete" && command.argv[3] == "node")
            result.output = "node \"" + command.argv[4] + "\" deleted\n";
        return result;
    };
    peer::RemovalRequest request = scene.removal("node-2", scene.now - 5);
    HttpResponse first = scene.post_removal(request);
    REQUIRE(first.status == 200);
    CHECK(body_of(first)["removed"] == true);
    bool deleted = false, secret = false;
    for (const auto& argv : scene.runner.calls) {
        if (argv == std::vector<std::string>{"k3s", "kubectl", "delete", "node", "node-2",
                                             "--ignore-not-found", "--timeout=120s"})
            deleted = true;
        if (argv.size() == 8 && argv[6] == "node-2.node-password.k3s")
            secret = true;
    }
    CHECK(deleted);
    CHECK(secret);

    HttpResponse replay = scene.post_removal(request);
    CHECK(replay.status == 409);
    CHECK_THAT(body_of(replay)["error"].get<std::string>(), Catch::Contains("replayed"));
    for (const std::string& line : scene.log) {
        CHECK(line.find(request.mac) == std::string::npos);
        CHECK(line.find(scene.config.k3s_token) == std::string::npos);
    }
}

TEST_CASE("a removal of a node the cluster does not have is answered removed=false",
          "[peer][removal]") {
    Scene scene(true);
    scene.record_k3s_done();
    HttpResponse response = scene.post_removal(scene.removal("node-3", scene.now));
    REQUIRE(response.status == 200);
    CHECK(body_of(response)["removed"] == false);
}

TEST_CASE("removal requests that must be refused", "[peer][removal][security]") {
    Scene scene(true);
    scene.record_k3s_done();
    auto bad_mac = scene.removal("node-2", scene.now);
    bad_mac.mac[0] = bad_mac.mac[0] == 'a' ? 'b' : 'a';
    CHECK(scene.post_removal(bad_mac).status == 401);

    auto forged_key = *peer::sign_removal(*peer::removal_key("guessed token"), "node-1",
                                          "127.0.0.1", "node-2", scene.now);
    CHECK(scene.post_removal(forged_key).status == 401);

    CHECK(scene.post_removal(scene.removal("node-2", scene.now - 121)).status == 403);
    CHECK(scene.post_removal(scene.removal("node-2", scene.now + 121)).status == 403);
    CHECK(scene.post_removal(scene.removal("node-1", scene.now)).status == 403);  // itself
    CHECK(scene.post_removal(scene.removal("node-9", scene.now)).status == 404);  // not configured

    HttpRequest garbage;
    garbage.method = "POST";
    garbage.target = peer::kRemovePath;
    garbage.body = "{\"node\": 1}";
    CHECK(scene.service->handle(garbage).status == 400);
    CHECK(scene.get(peer::kRemovePath).status == 405);
    // None of them reached kubectl.
    for (const auto& argv : scene.runner.calls) CHECK(argv.at(2) != "delete");
}

TEST_CASE("a node that is not a member removes nothing", "[peer][removal]") {
    Scene scene(false);
    HttpResponse response = scene.post_removal(scene.removal("node-2", scene.now));
    CHECK(response.status == 409);
    for (const auto& argv : scene.runner.calls) CHECK(argv.at(2) != "delete");
}

TEST_CASE("a replay is refused after the server restarts", "[peer][removal][security]") {
    test::TempDir root;
    node::NodeConfig config = test::three_nodes("node-1");
    test::FakeRunner runner;
    test::answer_readyz(runner, true);
    std::filesystem::create_directories(root / "var/lib/bundle");
    node::StateDir dir(root.path().string());
    node::InstallState state;
    state.phases_done = {"k3s"};
    REQUIRE(node::write_state(dir, state));
    auto request =
        *peer::sign_removal(*peer::removal_key(config.k3s_token), "node-1", "127.0.0.1", "node-2",
                            peer::system_seconds());
    auto send = [&] {
        auto service = peer::AgentService::create(config, dir, runner, [](const std::string&) {});
        REQUIRE(service);
        HttpRequest r;
        r.method = "POST";
        r.target = peer::kRemovePath;
        r.body = peer::removal_to_json(request);
        return (*service)->handle(r).status;
    };
    CHECK(send() == 200);
    CHECK(send() == 409);
}

TEST_CASE(
    "a node asking its peers in its K3s phase answers none; once it took a role, initialising",
    "[peer][state][safety]") {
    // Were a node still deciding to answer initialising, three fresh nodes would wait for ever.
    Scene scene;
    node::InstallState state;
    state.phases_done = {"obtain", "extract", "harden", "mesh"};
    state.phase = "k3s";
    REQUIRE(node::write_state(node::StateDir(scene.root.path().string()), state));
    CHECK(body_of(scene.get("/v1/state"))["state"] == "none");

    Scene decided;
    state.role = "join";
    state.joined = "127.0.0.2";
    REQUIRE(node::write_state(node::StateDir(decided.root.path().string()), state));
    CHECK(body_of(decided.get("/v1/state"))["state"] == "initialising");
}

TEST_CASE("a failed removal is a 502 quoting kubectl, even in bytes that are not UTF-8",
          "[peer][removal]") {
    Scene scene(true);
    scene.record_k3s_done();
    scene.runner.answer = [](const node::Command& command) {
        node::CommandResult result;
        if (command.argv.size() > 3 && command.argv[3] == "--raw=/readyz")
            result.output = "ok\n";
        if (command.argv.size() > 3 && command.argv[2] == "delete" && command.argv[3] == "node") {
            result.exit_code = 1;
            result.output = "error: etcd \xff\xfe unavailable\n";
        }
        return result;
    };
    HttpResponse response = scene.post_removal(scene.removal("node-2", scene.now));
    REQUIRE(response.status == 502);
    CHECK_THAT(body_of(response)["error"].get<std::string>(), Catch::Contains("etcd"));
}

// Issue 12, point 13: every member holds the same key, so a request captured on its way to one
// member must not work at another. The receiver's name and mesh address are signed and checked.
TEST_CASE("a removal request made for another member is refused (cross-node replay)",
          "[peer][removal][security]") {
    Scene scene(true);
    scene.record_k3s_done();
    auto key = *peer::removal_key(scene.config.k3s_token);
    // Signed for node-2 (127.0.0.2), sent to this node, node-1: refused before its MAC is looked
    // at, and nothing reaches kubectl.
    auto for_node_2 = *peer::sign_removal(key, "node-2", "127.0.0.2", "node-3", scene.now);
    HttpResponse misdirected = scene.post_removal(for_node_2);
    CHECK(misdirected.status == 403);
    CHECK_THAT(body_of(misdirected)["error"].get<std::string>(),
               Catch::Contains("addressed to node-2 (127.0.0.2)"));
    // Signed for node-2, its receiver fields rewritten to name this node: the MAC fails.
    auto rewritten = for_node_2;
    rewritten.receiver = "node-1";
    rewritten.receiver_address = "127.0.0.1";
    CHECK(scene.post_removal(rewritten).status == 401);
    // Right name, another address (and the reverse): refused too.
    CHECK(scene.post_removal(*peer::sign_removal(key, "node-1", "127.0.0.2", "node-3", scene.now))
              .status == 403);
    CHECK(scene.post_removal(*peer::sign_removal(key, "node-2", "127.0.0.1", "node-3", scene.now))
              .status == 403);
    for (const auto& argv : scene.runner.calls) CHECK(argv.at(2) != "delete");
    // The same request made for this node is accepted.
    CHECK(scene.post_removal(*peer::sign_removal(key, "node-1", "127.0.0.1", "node-3", scene.now))
              .status == 200);
}

// Issue 12, point 13: each field is checked for its exact JSON type and range before anything
// uses it; a request with a valid MAC but a wrong field is a 400, never a 401 (the MAC is not
// consulted first) and never a conversion (1e300 as an int64 is undefined behaviour, which the
// sanitizer build of bundle_peer traps: -fsanitize=float-cast-overflow).
TEST_CASE("removal requests with a field of the wrong type or range are a 400",
          "[peer][removal][security]") {
    Scene scene(true);
    scene.record_k3s_done();
    auto good = scene.removal("node-2", scene.now);
    nlohmann::json base = nlohmann::json::parse(peer::removal_to_json(good));
    auto post = [&](const std::string& body) {
        HttpRequest request;
        request.method = "POST";
        request.target = peer::kRemovePath;
        request.body = body;
        request.peer = "127.0.0.2";
        return scene.service->handle(request);
    };
    auto with = [&](const std::string& field, const std::string& raw) {
        // The JSON text of `base` with `field`'s value replaced by `raw`, written as is.
        nlohmann::json copy = base;
        copy[field] = "@@";
        std::string text = copy.dump();
        text.replace(text.find("\"@@\""), 4, raw);
        return text;
    };
    auto without = [&](const std::string& field) {
        nlohmann::json copy = base;
        copy.erase(field);
        return copy.dump();
    };
    const std::string ts = std::to_string(scene.now);
    struct Case {
        std::string what;
        std::string body;
        std::string says;
    };
    std::vector<Case> cases = {
        {"timestamp as a float", with("timestamp", ts + ".0"), "not a JSON integer"},
        {"timestamp with an exponent", with("timestamp", "1.764222001e9"), "not a JSON integer"},
        {"timestamp out of int64's range", with("timestamp", "1e300"), "not a JSON integer"},
        {"timestamp beyond uint64", with("timestamp", "99999999999999999999999"),
         "not a JSON integer"},
        {"timestamp huge", with("timestamp", "18446744073709551615"), "beyond the year 9999"},
        {"timestamp just beyond the range", with("timestamp", "253402300800"), "beyond the year"},
        {"timestamp negative", with("timestamp", "-1"), "negative"},
        {"timestamp most negative", with("timestamp", "-9223372036854775808"), "negative"},
        {"timestamp as a string", with("timestamp", "\"" + ts + "\""), "not a JSON number"},
        {"timestamp as a bool", with("timestamp", "true"), "not a JSON number"},
        {"timestamp null", with("timestamp", "null"), "not a JSON number"},
        {"node as a number", with("node", "2"), "\"node\" is not a JSON string"},
        {"node as an array", with("node", "[\"node-2\"]"), "\"node\" is not a JSON string"},
        {"receiver as an object", with("receiver", "{}"), "\"receiver\" is not a JSON string"},
        {"receiver_address not an address", with("receiver_address", "\"127.0.0.1 \""),
         "not a dotted IPv4"},
        {"nonce as a number", with("nonce", "1"), "\"nonce\" is not a JSON string"},
        {"mac upper case", with("mac", "\"" + [&] {
                                    std::string upper = good.mac;
                                    for (char& c : upper) c = static_cast<char>(std::toupper(c));
                                    return upper;
                                }() + "\""),
         "\"mac\" is not 64 lowercase"},
        {"timestamp missing", without("timestamp"), "has no \"timestamp\""},
        {"receiver missing", without("receiver"), "has no \"receiver\""},
        {"mac missing", without("mac"), "has no \"mac\""},
        {"an extra member", with("mac", "\"" + good.mac + "\",\"force\":true"),
         "member \"force\" that is not expected"},
        {"a member twice", with("node", "\"node-2\",\"node\":\"node-3\""), "names a member twice"},
        {"an array", "[" + base.dump() + "]", "not a JSON object"},
        {"not JSON", "{\"node\":", "not JSON"},
    };
    for (const Case& c : cases) {
        INFO(c.what << ": " << c.body);
        HttpResponse response = post(c.body);
        CHECK(response.status == 400);
        CHECK_THAT(body_of(response)["error"].get<std::string>(), Catch::Contains(c.says));
    }
    // The log says what was refused, never the body.
    for (const auto& line : scene.log) CHECK(line.find(good.mac) == std::string::npos);
    for (const auto& argv : scene.runner.calls) CHECK(argv.at(2) != "delete");
    // The unchanged body is accepted: the cases above failed for their one change.
    CHECK(post(base.dump()).status == 200);
}

// Issue 12, point 5 (protocol.h, "One join at a time"): a join announced a moment ago is in the
// very next answer, never hidden behind an answer reused from the same second.
TEST_CASE("a node that announced a join, or took the join role, reports joining at once",
          "[peer][state][safety]") {
    Scene scene;
    CHECK(body_of(scene.get("/v1/state"))["state"] == "none");
    CHECK(body_of(scene.get("/v1/state"))["joining"] == false);
    node::StateDir dir(scene.root.path().string());
    test::write_file(peer::join_announcement(dir), "announced\n");
    auto json = body_of(scene.get("/v1/state"));
    CHECK(json["state"] == "initialising");
    CHECK(json["joining"] == true);
    CHECK_THAT(json["detail"].get<std::string>(), Catch::Contains("announced that it joins"));

    std::filesystem::remove(peer::join_announcement(dir));
    node::InstallState state;
    state.role = "join";
    REQUIRE(node::write_state(dir, state));
    json = body_of(scene.get("/v1/state"));
    CHECK(json["state"] == "initialising");
    CHECK(json["joining"] == true);

    state.role = "init";
    REQUIRE(node::write_state(dir, state));
    CHECK(body_of(scene.get("/v1/state"))["joining"] == false);
}

TEST_CASE("a member never reports joining, whatever an announcement left says",
          "[peer][state]") {
    Scene scene(true);
    scene.record_k3s_done();
    test::write_file(peer::join_announcement(node::StateDir(scene.root.path().string())), "x\n");
    auto json = body_of(scene.get("/v1/state"));
    CHECK(json["state"] == "member");
    CHECK(json["joining"] == false);
}
