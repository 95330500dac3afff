#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>

#include "fetch/cache.h"
#include "servers.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

TEST_CASE("insert_bytes stores content under its SHA-256 with a read-only mode", "[fetch][cache]") {
    TempDir dir;
    auto cache = fetch::Cache::open(dir / "cache");
    REQUIRE(cache);
    auto path = cache->insert_bytes("hello");
    REQUIRE(path);
    auto digest = test::digest_of("hello");
    CHECK(*path == cache->path_of(digest));
    CHECK(test::read_file(*path) == "hello");
    struct stat st {};
    REQUIRE(::stat(path->c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0444);
    auto found = cache->find(digest);
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK(**found == *path);
    // Inserting the same bytes again is a no-op.
    CHECK(cache->insert_bytes("hello"));
}

TEST_CASE("a cache entry corrupted on disk is detected by XXH3 and removed", "[fetch][cache][corruption]") {
    TempDir dir;
    auto cache = fetch::Cache::open(dir / "cache");
    REQUIRE(cache);
    std::string content = test::make_content(100000, 1);
    auto path = cache->insert_bytes(content);
    REQUIRE(path);
    content[5000] ^= 1;  // same size, one bit flipped
    std::filesystem::permissions(*path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    test::write_file(*path, content);
    auto found = cache->find(test::digest_of(test::make_content(100000, 1)));
    REQUIRE(found);
    CHECK_FALSE(found->has_value());
    CHECK_FALSE(std::filesystem::exists(*path));
}

TEST_CASE("an entry without its XXH3 sidecar counts as corrupt", "[fetch][cache][corruption]") {
    TempDir dir;
    auto cache = fetch::Cache::open(dir / "cache");
    REQUIRE(cache);
    auto path = cache->insert_bytes("abc");
    REQUIRE(path);
    std::filesystem::remove(path->string() + ".xxh3");
    auto found = cache->find(test::digest_of("abc"));
    REQUIRE(found);
    CHECK_FALSE(found->has_value());
}

TEST_CASE("the default root follows XDG_CACHE_HOME, then HOME", "[fetch][cache]") {
    const char* old_xdg = std::getenv("XDG_CACHE_HOME");
    std::string saved = old_xdg ? old_xdg : "";
    ::setenv("XDG_CACHE_HOME", "/x/cache", 1);
    CHECK(fetch::Cache::default_root() == "/x/cache/bundle");
    ::unsetenv("XDG_CACHE_HOME");
    if (const char* home = std::getenv("HOME"))
        CHECK(fetch::Cache::default_root() == std::filesystem::path(home) / ".cache" / "bundle");
    if (old_xdg) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
}

TEST_CASE("the cache folders are created private", "[fetch][cache]") {
    TempDir dir;
    auto cache = fetch::Cache::open(dir / "c");
    REQUIRE(cache);
    struct stat st {};
    REQUIRE(::stat((dir / "c").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(cache->partial_path("abc") == dir / "c" / "partial" / "abc.part");
}
