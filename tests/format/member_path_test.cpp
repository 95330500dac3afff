#include <catch2/catch.hpp>

#include "format/member_path.h"

using namespace bundle::format;

TEST_CASE("ordinary member paths are accepted", "[format][path]") {
    for (const char* p : {"a", "k3s/k3s", "payload/scripts/10-harden.sh", "a.b/c-d_e"}) {
        INFO(p);
        CHECK(check_member_path(p));
    }
    CHECK(check_member_path(std::string(255, 'a')));
}

TEST_CASE("unsafe member paths are refused with a reason", "[format][path][security]") {
    struct Case {
        std::string path;
        const char* reason;
    };
    for (const Case& c : {Case{"", "empty"}, Case{"/etc/x", "absolute"}, Case{"../x", "'..'"},
                          Case{"a/../../x", "'..'"}, Case{"a/./b", "'.'"}, Case{"a//b", "empty component"},
                          Case{"a/", "empty component"}, Case{"a\\b", "backslash"}, Case{"a\nb", "control"},
                          Case{"caf\xc3\xa9", "printable ASCII"}, Case{"a\x9b[2J", "printable ASCII"},
                          Case{std::string(256, 'a'), "longer than"}}) {
        INFO(c.path);
        auto status = check_member_path(c.path);
        REQUIRE_FALSE(status);
        CHECK(status.error().code == bundle::Code::unsafe_path);
        CHECK(status.error().message.find(c.reason) != std::string::npos);
    }
}
