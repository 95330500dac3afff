#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "fetch/downloader.h"
#include "servers.h"
#include "support/nginx.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

fetch::DownloadOptions fast_options(unsigned attempts = 4) {
    fetch::DownloadOptions options;
    options.http.max_attempts = attempts;
    options.http.backoff_initial_seconds = 0.02;
    options.http.connect_timeout_seconds = 5;
    return options;
}

fetch::Download pinned(const std::string& url, const std::string& content) {
    fetch::Download download;
    download.url = url;
    download.sha256 = test::digest_of(content);
    download.size = content.size();
    return download;
}

fetch::Cache open_cache(const TempDir& dir) {
    auto cache = fetch::Cache::open(dir / "cache");
    REQUIRE(cache);
    return *cache;
}

std::size_t entries(const fetch::Cache& cache, const std::string& folder) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(cache.root() / folder)) {
        static_cast<void>(entry);
        ++count;
    }
    return count;
}

// Test content: 256 KiB, big enough to be cut in half, small enough to be quick.
constexpr std::size_t content_size = 256 * 1024;

}  // namespace

TEST_CASE("downloads land in the cache under their digest, checked", "[fetch][download]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 1);
    std::string b = test::make_content(1000, 2);
    test::write_file(dir / "www" / "a", a);
    test::write_file(dir / "www" / "b", b);
    test::Nginx nginx(dir / "www", dir / "nginx");
    fetch::Cache cache = open_cache(dir);

    auto result = fetch::download_all({pinned(nginx.url("a"), a), pinned(nginx.url("b"), b)}, cache, fast_options());
    REQUIRE(result);
    REQUIRE(result->size() == 2);
    CHECK((*result)[0].sha256 == test::digest_of(a));
    CHECK((*result)[0].size == a.size());
    CHECK_FALSE((*result)[0].from_cache);
    CHECK(test::read_file((*result)[0].path) == a);
    CHECK(test::read_file((*result)[1].path) == b);
    CHECK(entries(cache, "partial") == 0);

    // A second run transfers nothing.
    std::size_t requests = nginx.requests();
    auto again = fetch::download_all({pinned(nginx.url("a"), a), pinned(nginx.url("b"), b)}, cache, fast_options());
    REQUIRE(again);
    CHECK((*again)[0].from_cache);
    CHECK((*again)[1].from_cache);
    CHECK(nginx.requests() == requests);
}

TEST_CASE("a download without a pin returns the digest of what arrived", "[fetch][download]") {
    TempDir dir;
    std::string a = test::make_content(5000, 3);
    test::write_file(dir / "www" / "a", a);
    test::Nginx nginx(dir / "www", dir / "nginx");
    fetch::Cache cache = open_cache(dir);
    fetch::Download download;
    download.url = nginx.url("a");
    auto result = fetch::download_all({download}, cache, fast_options());
    REQUIRE(result);
    CHECK((*result)[0].sha256 == test::digest_of(a));
    CHECK(test::read_file((*result)[0].path) == a);
}

TEST_CASE("a digest mismatch is Code::digest and leaves nothing in the cache", "[fetch][download][digest]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 4);
    test::write_file(dir / "www" / "a", a);
    test::Nginx nginx(dir / "www", dir / "nginx");
    fetch::Cache cache = open_cache(dir);
    fetch::Download download = pinned(nginx.url("a"), a);
    download.sha256 = test::digest_of("something else");
    auto result = fetch::download_all({download}, cache, fast_options());
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Code::digest);
    CHECK(entries(cache, "sha256") == 0);
    CHECK(entries(cache, "partial") == 0);
}

TEST_CASE("an endless body is cut at the pinned size: Code::size_exceeded", "[fetch][download][size]") {
    TempDir dir;
    std::string a = test::make_content(64 * 1024, 5);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    auto result = fetch::download_all({pinned(server.url("endless", "a"), a)}, cache, fast_options());
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Code::size_exceeded);
    CHECK(entries(cache, "sha256") == 0);
    CHECK(entries(cache, "partial") == 0);

    // Without a size, max_size is the limit.
    fetch::Download unsized;
    unsized.url = server.url("endless", "a");
    unsized.max_size = 1 << 20;
    auto cut = fetch::download_all({unsized}, cache, fast_options());
    REQUIRE_FALSE(cut);
    CHECK(cut.error().code == Code::size_exceeded);
}

TEST_CASE("a connection reset mid-body is resumed with a Range request", "[fetch][download][resume]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 6);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    auto result = fetch::download_all({pinned(server.url("reset", "a"), a)}, cache, fast_options());
    REQUIRE(result);
    CHECK(test::read_file((*result)[0].path) == a);
    auto stats = server.stats("reset", "a");
    REQUIRE(stats["requests"] == 2);
    CHECK(stats["ranges"][0] == "");
    std::string range = stats["ranges"][1];
    REQUIRE(range.rfind("bytes=", 0) == 0);
    std::size_t resumed_at = std::stoul(range.substr(6));
    CHECK(resumed_at > 0);
    CHECK(resumed_at <= content_size / 2);
    // Only what was missing was sent again.
    CHECK(stats["bytes"].get<std::size_t>() == content_size / 2 + (content_size - resumed_at));
}

TEST_CASE("a body shorter than its Content-Length is resumed", "[fetch][download][resume]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 7);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    auto result = fetch::download_all({pinned(server.url("short", "a"), a)}, cache, fast_options());
    REQUIRE(result);
    CHECK(test::read_file((*result)[0].path) == a);
    auto stats = server.stats("short", "a");
    CHECK(stats["requests"] == 2);
    CHECK(stats["ranges"][1] == "bytes=" + std::to_string(content_size / 2) + "-");
}

TEST_CASE("a server that ignores Range restarts the download cleanly from zero", "[fetch][download][resume]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 8);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    // A correct first half from an earlier, interrupted run.
    test::write_file(cache.partial_path(hash::to_hex(test::digest_of(a))), a.substr(0, content_size / 2));
    auto result = fetch::download_all({pinned(server.url("norange", "a"), a)}, cache, fast_options());
    REQUIRE(result);
    CHECK(test::read_file((*result)[0].path) == a);
    auto stats = server.stats("norange", "a");
    CHECK(stats["requests"] == 1);
    CHECK(stats["ranges"][0] == "bytes=" + std::to_string(content_size / 2) + "-");
}

TEST_CASE("a corrupt partial file fails the final digest, is discarded, and is downloaded once more",
          "[fetch][download][corruption]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 9);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    std::string corrupt = a.substr(0, content_size / 2);
    corrupt[100] ^= 0x40;
    test::write_file(cache.partial_path(hash::to_hex(test::digest_of(a))), corrupt);
    auto result = fetch::download_all({pinned(server.url("ok", "a"), a)}, cache, fast_options());
    REQUIRE(result);
    CHECK(test::read_file((*result)[0].path) == a);
    auto stats = server.stats("ok", "a");
    REQUIRE(stats["requests"] == 2);
    CHECK(stats["ranges"][0] == "bytes=" + std::to_string(content_size / 2) + "-");
    CHECK(stats["ranges"][1] == "");
}

TEST_CASE("a 416 to a range request: a complete part is checked, a wrong one restarted", "[fetch][download][resume]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 10);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    const auto part = cache.partial_path(hash::to_hex(test::digest_of(a)));

    SECTION("complete part, size unknown: the server's 416 means done") {
        test::write_file(part, a);
        fetch::Download download = pinned(server.url("ok", "a"), a);
        download.size.reset();
        auto result = fetch::download_all({download}, cache, fast_options());
        REQUIRE(result);
        CHECK(test::read_file((*result)[0].path) == a);
        CHECK(server.stats("ok", "a")["requests"] == 1);
    }
    SECTION("a server that answers every range with 416") {
        test::write_file(part, a.substr(0, 1000));
        auto result = fetch::download_all({pinned(server.url("badrange", "a"), a)}, cache, fast_options());
        REQUIRE(result);
        CHECK(test::read_file((*result)[0].path) == a);
        auto stats = server.stats("badrange", "a");
        REQUIRE(stats["requests"] == 2);
        CHECK(stats["ranges"][1] == "");
    }
}

TEST_CASE("500 and 429 are retried, honouring Retry-After", "[fetch][download][retry]") {
    TempDir dir;
    std::string a = test::make_content(4096, 11);
    std::string b = test::make_content(4096, 12);
    test::write_file(dir / "files" / "a", a);
    test::write_file(dir / "files" / "b", b);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    auto start = Clock::now();
    auto result = fetch::download_all(
        {pinned(server.url("error500", "a", "fail=2"), a), pinned(server.url("throttle", "b"), b)}, cache,
        fast_options());
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    REQUIRE(result);
    CHECK(server.stats("error500", "a")["requests"] == 3);
    CHECK(server.stats("throttle", "b")["requests"] == 2);
    CHECK(elapsed >= 1.0);  // Retry-After: 1, though the backoff alone would be 20 ms
}

TEST_CASE("retries are bounded by max_attempts", "[fetch][download][retry]") {
    TempDir dir;
    std::string a = test::make_content(4096, 13);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    auto result = fetch::download_all({pinned(server.url("error500", "a", "fail=1000"), a)}, cache, fast_options(3));
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Code::network);
    CHECK(result.error().message.find("500") != std::string::npos);
    CHECK(server.stats("error500", "a")["requests"] == 3);
}

TEST_CASE("an unreachable host is Code::network naming the URL and suggesting --mirror", "[fetch][download]") {
    TempDir dir;
    fetch::Cache cache = open_cache(dir);
    std::string url = "http://someone:pa55word@127.0.0.1:" + std::to_string(test::free_port()) + "/file";
    auto result = fetch::download_all({pinned(url, "x")}, cache, fast_options(2));
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Code::network);
    std::string text = result.error().describe();
    CHECK(text.find("127.0.0.1") != std::string::npos);
    CHECK(text.find("/file") != std::string::npos);
    CHECK(text.find("--mirror") != std::string::npos);
    CHECK(text.find("pa55word") == std::string::npos);
}

TEST_CASE("a cancelled download keeps its part and the next run resumes without refetching it",
          "[fetch][download][resume]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 14);
    test::write_file(dir / "files" / "a", a);
    test::FaultyServer server(dir / "files", dir / "work");
    fetch::Cache cache = open_cache(dir);
    const auto part = cache.partial_path(hash::to_hex(test::digest_of(a)));

    std::atomic<bool> cancel{false};
    std::thread stopper([&] {
        // The drip mode sends half at once, then 1 KiB per 50 ms.
        auto deadline = Clock::now() + std::chrono::seconds(10);
        std::error_code ec;
        for (;;) {
            auto size = std::filesystem::file_size(part, ec);  // (uintmax_t)-1 while it is missing
            if (Clock::now() >= deadline || (!ec && size >= content_size / 2 + 2048)) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        cancel = true;
    });
    fetch::DownloadOptions options = fast_options();
    options.cancel = &cancel;
    auto first = fetch::download_all({pinned(server.url("drip", "a"), a)}, cache, options);
    stopper.join();
    REQUIRE_FALSE(first);
    INFO(first.error().describe());
    CHECK(first.error().message.find("interrupted") != std::string::npos);
    std::size_t kept = std::filesystem::file_size(part);
    REQUIRE(kept >= content_size / 2);

    auto second = fetch::download_all({pinned(server.url("ok", "a"), a)}, cache, fast_options());
    REQUIRE(second);
    CHECK(test::read_file((*second)[0].path) == a);
    auto stats = server.stats("ok", "a");
    REQUIRE(stats["requests"] == 1);
    CHECK(stats["ranges"][0] == "bytes=" + std::to_string(kept) + "-");
    CHECK(stats["bytes"].get<std::size_t>() == content_size - kept);
}

TEST_CASE("two concurrent runs on one cache download the same content once", "[fetch][download][concurrency]") {
    TempDir dir;
    std::string a = test::make_content(512 * 1024, 15);
    test::write_file(dir / "www" / "a", a);
    test::Nginx nginx(dir / "www", dir / "nginx", "1m");  // about half a second per download
    auto cache1 = fetch::Cache::open(dir / "cache");
    auto cache2 = fetch::Cache::open(dir / "cache");
    REQUIRE(cache1);
    REQUIRE(cache2);
    Result<std::vector<fetch::Downloaded>> r1 = Error{Code::internal, "", "not run"};
    Result<std::vector<fetch::Downloaded>> r2 = Error{Code::internal, "", "not run"};
    std::thread t1([&] { r1 = fetch::download_all({pinned(nginx.url("a"), a)}, *cache1, fast_options()); });
    std::thread t2([&] { r2 = fetch::download_all({pinned(nginx.url("a"), a)}, *cache2, fast_options()); });
    t1.join();
    t2.join();
    REQUIRE(r1);
    REQUIRE(r2);
    CHECK(test::read_file((*r1)[0].path) == a);
    CHECK((*r1)[0].path == (*r2)[0].path);
    CHECK(((*r1)[0].from_cache || (*r2)[0].from_cache));  // one waited for the other
    CHECK(nginx.requests() == 1);
    CHECK(entries(*cache1, "sha256") == 2);  // the entry and its XXH3 sidecar
    CHECK(entries(*cache1, "partial") == 0);
}

TEST_CASE("a cache entry corrupted on disk is refetched", "[fetch][download][corruption]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 16);
    test::write_file(dir / "www" / "a", a);
    test::Nginx nginx(dir / "www", dir / "nginx");
    fetch::Cache cache = open_cache(dir);
    auto first = fetch::download_all({pinned(nginx.url("a"), a)}, cache, fast_options());
    REQUIRE(first);
    std::string damaged = a;
    damaged[1234] ^= 1;
    std::filesystem::permissions((*first)[0].path, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    test::write_file((*first)[0].path, damaged);

    auto second = fetch::download_all({pinned(nginx.url("a"), a)}, cache, fast_options());
    REQUIRE(second);
    CHECK_FALSE((*second)[0].from_cache);
    CHECK(test::read_file((*second)[0].path) == a);
    CHECK(nginx.requests() == 2);
}

TEST_CASE("file:// URLs download, and resume, like http", "[fetch][download][file]") {
    TempDir dir;
    std::string a = test::make_content(content_size, 17);
    test::write_file(dir / "mirror" / "a", a);
    fetch::Cache cache = open_cache(dir);
    test::write_file(cache.partial_path(hash::to_hex(test::digest_of(a))), a.substr(0, 1000));
    auto result = fetch::download_all({pinned("file://" + (dir / "mirror" / "a").string(), a)}, cache, fast_options());
    REQUIRE(result);
    CHECK(test::read_file((*result)[0].path) == a);

    auto missing = fetch::download_all({pinned("file://" + (dir / "mirror" / "b").string(), "b")}, cache, fast_options());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Code::network);
}

TEST_CASE("a 404 is not retried", "[fetch][download]") {
    TempDir dir;
    std::filesystem::create_directories(dir / "www");
    test::Nginx nginx(dir / "www", dir / "nginx");
    fetch::Cache cache = open_cache(dir);
    auto result = fetch::download_all({pinned(nginx.url("missing"), "x")}, cache, fast_options());
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Code::network);
    CHECK(result.error().message.find("404") != std::string::npos);
    CHECK(nginx.requests() == 1);
}

TEST_CASE("many downloads run with bounded concurrency", "[fetch][download]") {
    TempDir dir;
    std::vector<std::string> contents;
    std::vector<fetch::Download> downloads;
    test::Nginx* server = nullptr;
    for (unsigned i = 0; i < 20; ++i) {
        contents.push_back(test::make_content(20000 + i, 100 + i));
        test::write_file(dir / "www" / ("f" + std::to_string(i)), contents.back());
    }
    test::Nginx nginx(dir / "www", dir / "nginx");
    server = &nginx;
    for (unsigned i = 0; i < 20; ++i) downloads.push_back(pinned(server->url("f" + std::to_string(i)), contents[i]));
    fetch::Cache cache = open_cache(dir);
    fetch::DownloadOptions options = fast_options();
    options.jobs = 3;
    auto result = fetch::download_all(downloads, cache, options);
    REQUIRE(result);
    for (unsigned i = 0; i < 20; ++i) CHECK(test::read_file((*result)[i].path) == contents[i]);
}
