#include <catch2/catch.hpp>

#include "fetch/curl_setup.h"
#include "fetch/http.h"
#include "servers.h"
#include "support/nginx.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

namespace {

fetch::HttpOptions fast_retries(unsigned attempts = 3) {
    fetch::HttpOptions options;
    options.max_attempts = attempts;
    options.backoff_initial_seconds = 0.02;
    options.connect_timeout_seconds = 5;
    return options;
}

fetch::Request request(std::string url, std::vector<std::string> headers = {}, std::uint64_t max_body = 4u << 20,
                       bool head = false) {
    fetch::Request r;
    r.url = std::move(url);
    r.headers = std::move(headers);
    r.max_body = max_body;
    r.head = head;
    return r;
}

}  // namespace

TEST_CASE("get returns body, status and lowercased headers from nginx", "[fetch][http]") {
    TempDir dir;
    test::write_file(dir / "www" / "index.yaml", "entries: {}\n");
    test::Nginx nginx(dir / "www", dir / "nginx");
    auto response = fetch::get(request(nginx.url("index.yaml")));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "entries: {}\n");
    CHECK(response->headers.count("content-length") == 1);
    CHECK(response->effective_url == nginx.url("index.yaml"));

    auto head = fetch::get(request(nginx.url("index.yaml"), {}, 1024, true));
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(head->body.empty());
}

TEST_CASE("get returns a 404 as a response, not an error", "[fetch][http]") {
    TempDir dir;
    std::filesystem::create_directories(dir / "www");
    test::Nginx nginx(dir / "www", dir / "nginx");
    auto response = fetch::get(request(nginx.url("missing")));
    REQUIRE(response);
    CHECK(response->status == 404);
}

TEST_CASE("get cuts a body longer than max_body", "[fetch][http][size]") {
    TempDir dir;
    test::write_file(dir / "www" / "big", std::string(100000, 'x'));
    test::Nginx nginx(dir / "www", dir / "nginx");
    auto response = fetch::get(request(nginx.url("big"), {}, 1000));
    REQUIRE_FALSE(response);
    CHECK(response.error().code == Code::size_exceeded);
}

TEST_CASE("get retries a 500 and succeeds and its retries are bounded", "[fetch][http][retry]") {
    TempDir dir;
    test::write_file(dir / "files" / "f", "content");
    test::FaultyServer server(dir / "files", dir / "work");
    auto response = fetch::get(request(server.url("error500", "f", "fail=2")), fast_retries(3));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "content");
    CHECK(server.stats("error500", "f")["requests"] == 3);

    auto failed = fetch::get(request(server.url("error500", "g", "fail=100")), fast_retries(3));
    // "g" does not exist: a 404 is returned at once, never retried.
    REQUIRE(failed);
    CHECK(failed->status == 404);
    test::write_file(dir / "files" / "g", "x");
    failed = fetch::get(request(server.url("error500", "g", "fail=100")), fast_retries(3));
    REQUIRE_FALSE(failed);
    CHECK(failed.error().code == Code::network);
    CHECK(server.stats("error500", "g")["requests"] == 3);
}

TEST_CASE("get on a closed port is a network error naming the URL without credentials and suggesting --mirror",
          "[fetch][http][security]") {
    int port = test::free_port();
    std::string url = "http://user:s3cret@127.0.0.1:" + std::to_string(port) + "/x";
    auto response = fetch::get(request(url, {"Authorization: Bearer t0ken"}), fast_retries(2));
    REQUIRE_FALSE(response);
    CHECK(response.error().code == Code::network);
    std::string text = response.error().describe();
    CHECK(text.find("127.0.0.1:" + std::to_string(port) + "/x") != std::string::npos);
    CHECK(text.find("--mirror") != std::string::npos);
    CHECK(text.find("s3cret") == std::string::npos);
    CHECK(text.find("t0ken") == std::string::npos);
    CHECK(text.find("user") == std::string::npos);
}

TEST_CASE("get reads file:// URLs and a missing file is a 404", "[fetch][http][file]") {
    TempDir dir;
    test::write_file(dir / "m" / "a.txt", "mirror");
    auto response = fetch::get(request("file://" + (dir / "m" / "a.txt").string()));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "mirror");
    auto missing = fetch::get(request("file://" + (dir / "m" / "b.txt").string()));
    REQUIRE(missing);
    CHECK(missing->status == 404);
}

TEST_CASE("get refuses protocols other than http, https and file", "[fetch][http][security]") {
    auto response = fetch::get(request("ftp://127.0.0.1/x"), fast_retries(1));
    REQUIRE_FALSE(response);
    CHECK(response.error().code == Code::network);
}

// A checksum file, a manifest by tag or a trust-on-first-use download fetched over https and
// redirected to plain http could be changed by anyone on the path; libcurl's default allowed it.
TEST_CASE("an https request is never redirected down to plain http", "[fetch][http][security]") {
    CHECK(std::string(fetch::detail::redirect_protocols("https://github.com/k3s-io/k3s")) == "https");
    CHECK(std::string(fetch::detail::redirect_protocols("HTTPS://github.com/k3s-io/k3s")) == "https");
    CHECK(std::string(fetch::detail::redirect_protocols("http://127.0.0.1:5000/v2/")) == "http,https");
    CHECK(std::string(fetch::detail::redirect_protocols("file:///srv/mirror/x")) == "http,https");
}
