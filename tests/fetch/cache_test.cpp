#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

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

// A cache entry is trusted by its XXH3 only, so a cache folder another user can write (or one
// they created first, such as the /tmp fallback of default_root()) is refused outright.
TEST_CASE("a cache folder that belongs to another user is refused", "[fetch][cache][security]") {
    if (::geteuid() != 0) {
        WARN("skipped: needs root to give a folder to another user");
        return;
    }
    TempDir dir;
    std::filesystem::create_directories(dir / "planted" / "sha256");
    std::filesystem::create_directories(dir / "planted" / "partial");
    REQUIRE(::chown((dir / "planted").c_str(), 65534, 65534) == 0);
    auto cache = fetch::Cache::open(dir / "planted");
    REQUIRE_FALSE(cache);
    CHECK(cache.error().code == Code::unsafe_path);
    CHECK(cache.error().message.find("another user") != std::string::npos);
}

TEST_CASE("a cache folder writable by other users is refused", "[fetch][cache][security]") {
    TempDir dir;
    REQUIRE(fetch::Cache::open(dir / "c"));
    REQUIRE(::chmod((dir / "c" / "sha256").c_str(), 0777) == 0);
    auto cache = fetch::Cache::open(dir / "c");
    REQUIRE_FALSE(cache);
    CHECK(cache.error().code == Code::unsafe_path);
    CHECK(cache.error().where == (dir / "c" / "sha256").string());
}

TEST_CASE("a link planted in sha256/ is not an entry, even to matching content", "[fetch][cache][security]") {
    TempDir dir;
    auto cache = fetch::Cache::open(dir / "c");
    REQUIRE(cache);
    auto path = cache->insert_bytes("genuine");
    REQUIRE(path);
    test::write_file(dir / "outside", "genuine");
    std::filesystem::permissions(*path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    std::filesystem::remove(*path);
    std::filesystem::create_symlink(dir / "outside", *path);  // the XXH3 sidecar still matches

    auto found = cache->find(test::digest_of("genuine"));
    REQUIRE(found);
    CHECK_FALSE(found->has_value());
    CHECK_FALSE(std::filesystem::is_symlink(*path));
    CHECK(test::read_file(dir / "outside") == "genuine");  // the link was removed, not its target
}
