#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;

TEST_CASE("write_file_atomically writes the content with the mode", "[core]") {
    TempDir dir;
    REQUIRE(write_file_atomically((dir / "a").string(), "hello", 0600));
    CHECK(test::read_file(dir / "a") == "hello");
    struct stat st {};
    REQUIRE(::stat((dir / "a").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("Replace::forbidden keeps an existing file", "[core]") {
    TempDir dir;
    test::write_file(dir / "a", "old");
    Status status = write_file_atomically((dir / "a").string(), "new", 0600, Replace::forbidden);
    REQUIRE_FALSE(status);
    CHECK(status.error().message.find("not overwriting") != std::string::npos);
    CHECK(test::read_file(dir / "a") == "old");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);  // no temporary left
}

TEST_CASE("an uncommitted AtomicFile leaves nothing behind", "[core]") {
    TempDir dir;
    {
        auto file = AtomicFile::create((dir / "a").string(), 0644);
        REQUIRE(file);
    }
    CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("replacing a symlink replaces the link, not its target", "[core][security]") {
    TempDir dir;
    test::write_file(dir / "target", "precious");
    std::filesystem::create_symlink(dir / "target", dir / "link");
    REQUIRE(write_file_atomically((dir / "link").string(), "new", 0644));
    CHECK(test::read_file(dir / "target") == "precious");
    CHECK_FALSE(std::filesystem::is_symlink(dir / "link"));
}

TEST_CASE("a temporary left by a killed writer is removed by the next one", "[core]") {
    TempDir dir;
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    auto stale = dir / (".a.tmp-" + std::to_string(child) + "-0");
    test::write_file(stale, "half a file");
    REQUIRE(write_file_atomically((dir / "a").string(), "whole", 0644));
    CHECK_FALSE(std::filesystem::exists(stale));
}
