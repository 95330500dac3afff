// One SSH connection to a node, made with the OpenSSH client (`ssh` in PATH) and shared by every
// command `bundle push` runs there: the first `ssh` is a ControlMaster that logs in once and
// waits in the background (`-f -N`); every later `ssh` goes through its socket, so the node sees
// one login and each step costs no new handshake. The socket lives in a private folder (0700)
// made for this run; the master is told to exit at the end, and exits by itself after a minute
// without clients (ControlPersist) should this process die first.
//
// Every call runs with BatchMode=yes (no password or passphrase prompt: a key from --identity
// or the ssh-agent, or a clear error), ConnectTimeout and ServerAlive settings (an unreachable
// or vanished node fails within seconds, not minutes), no agent or X11 forwarding (a freshly
// reinstalled host is not trusted with them) and no port forwarding from the user's config.
// Host keys: an unknown host's key is accepted and remembered (StrictHostKeyChecking
// accept-new, as a host reinstalled minutes ago is always unknown), a changed one is refused;
// a stricter setting in the user's ssh configuration is kept (read with `ssh -G`).
//
// A remote command is one string, run by the remote user's login shell; remote_command() quotes
// each word for it. Nothing secret may go into one: argv is visible to every user of both
// machines (`ps`) and sudo logs it. Secrets travel on stdin.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "deliver/child_process.h"

namespace bundle::deliver {

struct SshTarget {
    std::string destination;  // user@host, or host (ssh's configuration gives the user)
    std::optional<std::uint16_t> port;
    std::string identity;     // -i FILE, with IdentitiesOnly; empty: ssh's own choice
    std::string config;       // -F FILE; empty: ~/.ssh/config and /etc/ssh/ssh_config
};

// A destination that ssh would read as an option (a leading '-'), or that holds whitespace or a
// control character, is Code::usage.
Status check_destination(const std::string& destination);

// The words of a remote command, each single-quoted for a POSIX shell, joined by spaces.
std::string remote_command(const std::vector<std::string>& words);

class SshSession {
public:
    // Starts the master connection (logs in). Failures are Code::network errors that name the
    // host and port and say what to check: unreachable, refused, timed out, unknown name, login
    // refused, changed host key. `say` gets ssh's own notices (a newly remembered host key).
    static Result<SshSession> open(const SshTarget& target, const std::atomic<bool>* cancel,
                                   const std::function<void(const std::string&)>& say);

    SshSession(SshSession&& other) noexcept;
    SshSession& operator=(SshSession&&) = delete;
    SshSession(const SshSession&) = delete;
    SshSession& operator=(const SshSession&) = delete;
    ~SshSession();  // ends the master, removes the private folder

    // Runs `command` on the node through the master; returns the remote exit status.
    Result<int> run(const std::string& command, const ChildIo& io) const;

    // "root@203.0.113.10 port 22": the login as errors name it.
    const std::string& name() const { return name_; }

    // A failed run (status 255, `stderr_tail` what ssh printed) that ssh itself caused, as an
    // error naming the host and `step`; nullopt when the remote command chose that status.
    std::optional<Error> connection_failure(int status, const std::string& stderr_tail, const std::string& step) const;

private:
    SshSession() = default;
    std::vector<std::string> base_argv() const;
    std::string known_host() const;  // as known_hosts names the host

    SshTarget target_;
    std::vector<std::string> options_;  // -o ... shared by every call
    std::string dir_;                   // the private folder
    std::string socket_;
    std::string name_;
    std::string host_;
    std::string port_;
};

}  // namespace bundle::deliver
