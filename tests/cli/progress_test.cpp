// The command line's progress reporter (builder/cli/progress.h), its plain-line form (stderr not
// a terminal, as under ctest): the rate it prints.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/progress.h"
#include "support/temp_dir.h"

using namespace bundle;

namespace {

// Runs `work` with stderr sent to a file; returns what it wrote there.
template <typename Work>
std::string stderr_of(const std::string& path, Work work) {
    std::fflush(stderr);
    int saved = ::dup(STDERR_FILENO);
    int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(saved >= 0);
    REQUIRE(file >= 0);
    ::dup2(file, STDERR_FILENO);
    ::close(file);
    work();
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

// Seen in `bundle push` to a VM (tests/vm/push_test.sh): "uploading 3.0 MiB / 6.0 MiB (50%),
// 143.1 TiB/s": the first line, a second in, divided the second's bytes by the microseconds since
// the reporter started counting.
TEST_CASE("a total known at once: the first line's rate is the bytes over the time since the start", "[cli][progress]") {
    test::TempDir dir;
    std::atomic<std::uint64_t> total{10u << 20};
    std::string text = stderr_of((dir.path() / "stderr").string(), [&] {
        cli::Progress progress("uploading", total, false);
        progress.done() = 4u << 20;  // 4 MiB in the first second
        // The first line is drawn a second in; 2.5 s leaves room for a late wake-up on a busy machine.
        std::this_thread::sleep_for(std::chrono::milliseconds(2500));
        progress.finish();
    });
    INFO(text);
    REQUIRE(text.find("uploading 4.0 MiB / 10.0 MiB (40%), ") != std::string::npos);
    // At most 4 MiB/s (4 MiB over at least a second); never GiB, TiB or PiB per second.
    CHECK((text.find(" MiB/s") != std::string::npos || text.find(" KiB/s") != std::string::npos));
    CHECK(text.find("GiB/s") == std::string::npos);
    CHECK(text.find("TiB/s") == std::string::npos);
}
