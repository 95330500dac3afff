// The scripts `bundle push` runs on a node, run here with the local sh against a temporary root
// (push_test.sh runs them over a real SSH connection). Each is run without its elevation
// wrapper, which only decides between running as it is and `sudo -n`.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "deliver/remote_scripts.h"
#include "hash/sha256.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace bundle;
using bundle::test::TempDir;
namespace fs = std::filesystem;

namespace {

// The command under elevated()'s wrapper.
std::vector<std::string> unwrapped(const std::vector<std::string>& words) {
    REQUIRE(words.size() > 4);
    REQUIRE(words[0] == "sh");
    REQUIRE(words[3] == "bundle-push");
    return {words.begin() + 4, words.end()};
}

// Runs `command` in `dir` with `input` (a file) as stdin; returns its exit status.
int run_in(const fs::path& dir, const std::vector<std::string>& command, const fs::path& input, const fs::path& log) {
    std::vector<std::string> argv = {"sh", "-c", "cd \"$1\" && shift && f=$1 && shift && exec \"$@\" <\"$f\"", "run",
                                     dir.string(), input.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    return test::run(argv, log);
}

unsigned mode_of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777u;
}

std::string hex_sha256(const std::string& bytes) {
    auto digest = hash::sha256(bytes);
    REQUIRE(digest);
    return hash::to_hex(*digest);
}

bool has_temporaries(const fs::path& dir) {
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (entry.path().filename().string().rfind(".bundle-push.", 0) == 0 ||
            entry.path().filename().string().find(".part") != std::string::npos)
            return true;
    return false;
}

std::string me() { return std::to_string(::getuid()) + ":" + std::to_string(::getgid()); }

}  // namespace

TEST_CASE("the files script writes every byte and mode, and never through a link", "[deliver][security]") {
    TempDir t;
    fs::path root = t / "root";
    fs::create_directories(root / "etc/bundle");
    test::write_file(t / "sentinel", "sentinel");
    fs::create_symlink(t / "sentinel", root / "etc/bundle/node.yaml");
    std::string hostile = "BUNDLE_END\n$(touch PWNED)\n`touch PWNED2`\n'quote\" \\ no newline at the end";
    hostile += std::string("\0\xff\x01", 3);
    std::vector<render::NodeFile> files = {
        {"/etc/bundle/node.yaml", me(), 0600, "token: not-a-real-secret\n"},
        {"/etc/deep/er/hostile.conf", me(), 0640, hostile},
        {"/usr/local/lib/bundle/run.sh", me(), 0755, "#!/bin/sh\necho hi\n"},
    };
    test::write_file(t / "script.sh", deliver::files_script(files, "node-7"));
    REQUIRE(run_in(root, unwrapped(deliver::files_command(root.string())), t / "script.sh", t / "log") == 0);

    CHECK(test::read_file(t / "sentinel") == "sentinel");
    CHECK(fs::is_regular_file(fs::symlink_status(root / "etc/bundle/node.yaml")));
    for (const auto& file : files) {
        CHECK(test::read_file(root.string() + file.path) == file.content);
        CHECK(mode_of(root.string() + file.path) == file.mode);
    }
    CHECK(test::read_file(root / "etc/hostname") == "node-7\n");
    CHECK(mode_of(root / "etc/deep/er") == 0755);
    CHECK_FALSE(fs::exists(root / "PWNED"));
    CHECK_FALSE(fs::exists(root / "PWNED2"));
    CHECK_FALSE(has_temporaries(root));
    std::string log = test::read_file(t / "log");
    CHECK(log.find("wrote /etc/bundle/node.yaml (0600") != std::string::npos);
    CHECK(log.find("not-a-real-secret") == std::string::npos);
}

TEST_CASE("the files script carries no secret in its command line", "[deliver][security]") {
    for (const auto& word : deliver::files_command("/trial")) CHECK(word.find("secret") == std::string::npos);
    std::string script = deliver::files_script({{"/etc/bundle/node.yaml", "root:root", 0600, "secret\n"}}, "n");
    CHECK(script.find("secret") == std::string::npos);  // base64 on stdin, not the text
}

TEST_CASE("the upload keeps a copy only when its SHA-256 matches", "[deliver][security]") {
    TempDir t;
    fs::path root = t / "root";
    fs::create_directories(root);
    std::string data = "pretend bundle bytes\n";
    test::write_file(t / "data", data);

    REQUIRE(run_in(root, unwrapped(deliver::upload_command(root.string(), "x-1.bundle", hex_sha256("other"))),
                   t / "data", t / "log") == deliver::kRemoteDigestMismatch);
    CHECK_FALSE(fs::exists(root / "var/lib/bundle/incoming/x-1.bundle"));
    CHECK(fs::is_empty(root / "var/lib/bundle/incoming"));

    REQUIRE(run_in(root, unwrapped(deliver::upload_command(root.string(), "x-1.bundle", hex_sha256(data))), t / "data",
                   t / "log") == 0);
    CHECK(test::read_file(root / "var/lib/bundle/incoming/x-1.bundle") == data);
    CHECK(mode_of(root / "var/lib/bundle/incoming/x-1.bundle") == 0600);
    CHECK(mode_of(root / "var/lib/bundle") == 0700);
    CHECK(mode_of(root / "var/lib/bundle/incoming") == 0700);

    test::write_file(t / "empty", "");
    REQUIRE(run_in(root, unwrapped(deliver::check_command(root.string(), "x-1.bundle")), t / "empty", t / "check") == 0);
    std::string check = test::read_file(t / "check");
    CHECK(check.find("have " + hex_sha256(data)) != std::string::npos);
    CHECK(check.find("free ") != std::string::npos);
    REQUIRE(run_in(root, unwrapped(deliver::check_command(root.string(), "y-2.bundle")), t / "empty", t / "check2") == 0);
    CHECK(test::read_file(t / "check2").find("have none") != std::string::npos);
}

TEST_CASE("the agent is taken out of the bundle and kept only with the expected SHA-256", "[deliver][security]") {
    TempDir t;
    fs::path root = t / "root";
    fs::create_directories(root / "var/lib/bundle/incoming");
    test::write_file(t / "src/bin/bundle", "#!/bin/sh\necho stand-in agent\n");
    test::write_file(t / "src/payload/x", "x\n");
    REQUIRE(test::run({"tar", "-C", (t / "src").string(), "-cf", (root / "var/lib/bundle/incoming/x-1.bundle").string(),
                       "payload", "bin"},
                      t / "tar.log") == 0);
    std::string agent = test::read_file(t / "src/bin/bundle");
    test::write_file(t / "empty", "");

    CHECK(run_in(root, unwrapped(deliver::agent_command(root.string(), "x-1.bundle", hex_sha256("another agent"))),
                 t / "empty", t / "log") == deliver::kRemoteDigestMismatch);
    CHECK_FALSE(fs::exists(root / "var/lib/bundle/agent/bundle"));
    CHECK_FALSE(has_temporaries(root));

    REQUIRE(run_in(root, unwrapped(deliver::agent_command(root.string(), "x-1.bundle", hex_sha256(agent))), t / "empty",
                   t / "log") == 0);
    CHECK(test::read_file(root / "var/lib/bundle/agent/bundle") == agent);
    CHECK(mode_of(root / "var/lib/bundle/agent/bundle") == 0755);
}

TEST_CASE("node install is called with the bundle, the config and the trial root", "[deliver]") {
    CHECK(unwrapped(deliver::install_command("/t", "x-1.bundle")) ==
          std::vector<std::string>{"/t/var/lib/bundle/agent/bundle", "node", "install", "--bundle",
                                   "/t/var/lib/bundle/incoming/x-1.bundle", "--config", "/t/etc/bundle/node.yaml",
                                   "--root", "/t"});
    CHECK(unwrapped(deliver::install_command("", "x-1.bundle")) ==
          std::vector<std::string>{"/var/lib/bundle/agent/bundle", "node", "install", "--bundle",
                                   "/var/lib/bundle/incoming/x-1.bundle", "--config", "/etc/bundle/node.yaml"});
}
