// Background servers for tests (nginx, docker-registry, containerd, the faulty HTTP server):
// started by the test that needs them, on loopback, and stopped by the destructor whatever the
// test's outcome. A child gets its own process group so that stopping it stops its children.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace bundle::test {

class Process {
public:
    // Starts argv[0] (searched in PATH) with stdout and stderr appended to `log`.
    Process(std::vector<std::string> argv, const std::filesystem::path& log);
    ~Process();  // SIGTERM to the group, then SIGKILL after 5 s; reaps the child
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();  // false once the child has exited
    void stop();

private:
    pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read, close).
int free_port();

// Waits until 127.0.0.1:`port` accepts a connection; throws (naming `what` and the tail of
// `log`) after `timeout` or when `process` exits first.
void wait_for_port(int port, Process& process, const std::string& what, const std::filesystem::path& log,
                   std::chrono::seconds timeout = std::chrono::seconds(20));

// True when the program is on PATH (a test that needs it and cannot find it fails, naming the
// package ci/setup should install; it is never skipped silently).
bool have_program(const std::string& name);

// Runs a command to completion, returns its exit status; its output is appended to `log`.
int run(const std::vector<std::string>& argv, const std::filesystem::path& log);

}  // namespace bundle::test
