#include <catch2/catch.hpp>

#include "node/command.h"

using namespace bundle::node;

TEST_CASE("the runner hands over output line by line and the exit status", "[node][command]") {
    auto runner = system_runner();
    std::vector<std::string> lines;
    auto result = runner->run({{"sh", "-c", "echo one; echo two >&2; printf three; exit 7"}, {}, {}, {}},
                              [&](std::string_view line) { lines.emplace_back(line); });
    REQUIRE(result);
    CHECK(result->exit_code == 7);
    CHECK(lines == std::vector<std::string>{"one", "two", "three"});
    CHECK(result->output == "one\ntwo\nthree");
}

TEST_CASE("extra environment reaches the program without being in its argv", "[node][command]") {
    auto runner = system_runner();
    auto result = runner->run({{"sh", "-c", "echo \"$SECRET_FOR_TEST\"; cat /proc/$$/cmdline"}, {{"SECRET_FOR_TEST", "s3cr3t"}}, {}, {}}, {});
    REQUIRE(result);
    CHECK(result->output.rfind("s3cr3t\n", 0) == 0);
    CHECK(result->output.find("s3cr3t", 7) == std::string::npos);
}

TEST_CASE("input is written to the program's stdin", "[node][command]") {
    auto runner = system_runner();
    std::string big(300000, 'x');
    auto result = runner->run({{"wc", "-c"}, {}, {}, big}, {});
    REQUIRE(result);
    CHECK(result->output.find("300000") != std::string::npos);
}

TEST_CASE("a program that is not there is an error naming it", "[node][command]") {
    auto runner = system_runner();
    auto result = runner->run({{"no-such-program-bundle-test"}, {}, {}, {}}, {});
    REQUIRE_FALSE(result);
    CHECK(result.error().describe().find("no-such-program-bundle-test") != std::string::npos);
}

TEST_CASE("a killed program reports 128 + the signal", "[node][command]") {
    auto runner = system_runner();
    auto result = runner->run({{"sh", "-c", "kill -9 $$"}, {}, {}, {}}, {});
    REQUIRE(result);
    CHECK(result->exit_code == 137);
}

TEST_CASE("describe quotes words a shell would split", "[node][command]") {
    CHECK(describe({{"systemctl", "enable", "--now", "a b", "it's"}, {}, {}, {}}) ==
          "systemctl enable --now 'a b' 'it'\\''s'");
}
