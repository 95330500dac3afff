// The one way the node agent runs an outside program (a payload script, systemctl, networkctl,
// k3s). Everything the agent does to the system beyond files under its root goes through a
// CommandRunner, so that a test can run `bundle node install` whole: with the real runner and
// recording stand-ins first in PATH, or in-process with a runner of its own.
//
// Programs are looked up in PATH by name. Their stdout and stderr are merged and handed over line
// by line as they come (the agent logs each line under its phase's name); nothing is passed
// through a shell, and extra environment variables are added to the agent's own environment for
// that program only, so a secret given that way never appears in an argv (`ps` shows argv to
// every user).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace bundle::node {

struct Command {
    std::vector<std::string> argv;                            // argv[0] is looked up in PATH
    std::vector<std::pair<std::string, std::string>> env;     // added to (or replacing in) the agent's
    std::string cwd;                                          // empty: the agent's
    std::string input;                                        // written to its stdin, then closed
};

struct CommandResult {
    int exit_code = 0;      // 128 + signal number when it was killed
    std::string output;     // stdout and stderr, merged, at most the last 64 KiB
};

using LineSink = std::function<void(std::string_view line)>;

class CommandRunner {
public:
    virtual ~CommandRunner() = default;
    // Runs the command to its end. An Error only when it could not be started (not found, not
    // executable); a non-zero exit is a CommandResult for the caller to judge.
    virtual Result<CommandResult> run(const Command& command, const LineSink& on_line) = 0;
};

// Runs programs for real (posix_spawnp, a pipe for the output).
std::unique_ptr<CommandRunner> system_runner();

// "systemctl enable --now x": the argv for messages, each word quoted when it needs to be.
std::string describe(const Command& command);

// `k3s kubectl ARGS...`: the agent asks K3s through K3s's own kubectl, which finds the server's
// admin kubeconfig by itself, so no kubeconfig path is kept anywhere else.
Command k3s_kubectl(std::vector<std::string> args);

// The last line of a command's output with trailing blanks removed: what a check says in one line.
std::string last_line(std::string_view output);

}  // namespace bundle::node
