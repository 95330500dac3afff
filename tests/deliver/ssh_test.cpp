// The pieces of `bundle push`'s SSH handling that need no server: quoting a remote command,
// refusing a destination ssh would misread, and turning ssh's failures into advice. The
// connection itself is tested against a real sshd in push_test.sh.
#include <catch2/catch.hpp>

#include "deliver/ssh.h"
#include "deliver/ssh_errors.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace bundle;

TEST_CASE("a remote command reaches the shell word for word", "[deliver][ssh]") {
    test::TempDir t;
    std::vector<std::string> words = {"printf", "%s\\n", "a b", "it's", "$HOME", "`id`", "\"q\"", "", "x\ny"};
    REQUIRE(test::run({"sh", "-c", deliver::remote_command(words)}, t / "out") == 0);
    CHECK(test::read_file(t / "out") == "a b\nit's\n$HOME\n`id`\n\"q\"\n\nx\ny\n");
}

TEST_CASE("a destination that ssh would misread is refused", "[deliver][ssh][security]") {
    CHECK(deliver::check_destination("debian@203.0.113.10"));
    CHECK(deliver::check_destination("node-1"));
    for (const char* bad : {"", "-oProxyCommand=touch x", "root@host name", "root@", "a\tb", "root@h\n"}) {
        auto checked = deliver::check_destination(bad);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().code == Code::usage);
    }
}

TEST_CASE("ssh's failures become advice naming the login and the step", "[deliver][ssh]") {
    const std::string login = "root@127.0.0.1 port 2222";
    struct Case {
        const char* said;
        const char* advice;
    };
    const Case cases[] = {
        {"ssh: connect to host 127.0.0.1 port 2222: Connection refused\r\n", "check the address and the port"},
        {"ssh: connect to host 192.0.2.1 port 22: Connection timed out\n", "the node does not answer"},
        {"ssh: Could not resolve hostname nowhere: Name or service not known\n", "does not resolve"},
        {"root@127.0.0.1: Permission denied (publickey).\n", "refused the login"},
        {"@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n",
         "ssh-keygen -R '[127.0.0.1]:2222'"},
        {"kex_exchange_identification: read: Connection reset by peer\n", "closed the connection before the login"},
    };
    for (const auto& c : cases) {
        Error error = deliver::ssh_error(login, "[127.0.0.1]:2222", "log in", c.said);
        CHECK(error.code == Code::network);
        CHECK(error.where == login);
        CHECK(error.message.rfind("log in: ", 0) == 0);
        CHECK(error.message.find(c.advice) != std::string::npos);
        std::string said = deliver::last_line(c.said);
        if (said.rfind("ssh: ", 0) == 0) said.erase(0, 5);  // not "(ssh: ssh: ...)"
        CHECK(error.message.find("(ssh: " + said + ")") != std::string::npos);
    }
    Error other = deliver::ssh_error(login, "h", "upload", "something new\n");
    CHECK(other.message == "upload: ssh failed (something new)");
}

TEST_CASE("a dropped connection is told from a remote command's status", "[deliver][ssh]") {
    CHECK(deliver::ssh_lost_connection("Connection to 127.0.0.1 closed by remote host.\n"));
    CHECK(deliver::ssh_lost_connection("client_loop: send disconnect: Broken pipe\n"));
    CHECK_FALSE(deliver::ssh_lost_connection("stand-in agent: failed\n"));
    CHECK(deliver::last_line("a\nb\n\n") == "b");
    CHECK(deliver::last_line("") == "");
}
