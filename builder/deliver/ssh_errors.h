// What the OpenSSH client's failures mean for the person running `bundle push`. ssh exits with
// status 255 when it fails itself and prints a line saying why ("ssh: connect to host h port 22:
// Connection refused", "u@h: Permission denied (publickey).", "Host key verification failed.");
// these turn the usual ones into a sentence that names the login and the step and says what to
// check, with ssh's own line kept at the end. Nothing here can carry a secret: ssh's messages name
// hosts, users and files, and `bundle push` never passes a secret in an argument.
#pragma once

#include <string>

#include "core/error.h"

namespace bundle::deliver {

// What to check after the failure `ssh_stderr` shows, or "" for one ssh explains well enough
// itself. `known_host` is the host as known_hosts names it ("h", or "[h]:port" off port 22).
std::string ssh_advice(const std::string& ssh_stderr, const std::string& known_host = "HOST");

// `login` is "user@host port N"; `step` says what was being done ("log in", "upload").
Error ssh_error(const std::string& login, const std::string& known_host, const std::string& step,
                const std::string& ssh_stderr);

// True when `ssh_stderr` shows that ssh itself (not the remote command) ended a session: the
// connection dropped, or the shared connection went away.
bool ssh_lost_connection(const std::string& ssh_stderr);

// The last non-empty line of `text`, without its line end.
std::string last_line(const std::string& text);

}  // namespace bundle::deliver
