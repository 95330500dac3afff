// What `bundle push` runs on a node, step by step, as POSIX shell (dash on Debian and Ubuntu)
// with GNU coreutils and tar, which both distributions install everywhere. Each function gives a
// remote command's words (for remote_command(), ssh.h); none holds a secret, since argv is
// visible to every user and sudo logs it. The node's files, which hold its secrets, travel on
// the stdin of `sh -s`, as the script files_script() writes.
//
// Every step runs as root: elevated() wraps a command so that a root login runs it as it is and
// any other login through `sudo -n` (no password prompt: a sudo that wants one fails at once,
// and the error says so).
//
// The layout on the node is the bootstrap script's (cloud-init/bootstrap.sh), so that a node
// pushed to and a node installed from its user-data look alike:
//
//   <root>/var/lib/bundle/                        0700
//   <root>/var/lib/bundle/incoming/<bundle file>  the bundle, renamed into place once its SHA-256
//                                                 matched; a later push with the same bundle finds
//                                                 it and skips the upload
//   <root>/var/lib/bundle/agent/bundle            the node agent, taken out of the bundle and run
//                                                 only when its SHA-256 is the user-data's
//
// <root> is "" on a real node, and the trial run's folder (`--root DIR`) otherwise, in which case
// nothing outside it is touched: no hostname is set and no file changes owner unless it can.
#pragma once

#include <string>
#include <vector>

#include "render/node_files.h"

namespace bundle::deliver {

// Exit statuses of the scripts below that mean more than "failed".
inline constexpr int kRemoteDigestMismatch = 3;

std::vector<std::string> elevated(const std::vector<std::string>& argv);

// Prints `missing TOOL...` when a tool the steps need is absent, `free BYTES` (space for the
// bundle), and `have SHA256` of the bundle already uploaded, or `have none`. Changes nothing.
std::vector<std::string> check_command(const std::string& root, const std::string& bundle_file);

// Reads the bundle on stdin into a 0600 temporary beside its final name, checks its SHA-256 and
// renames it into place (kRemoteDigestMismatch when it differs; the temporary is removed).
std::vector<std::string> upload_command(const std::string& root, const std::string& bundle_file,
                                        const std::string& sha256);

// `sh -s` reading files_script() on stdin.
std::vector<std::string> files_command(const std::string& root);
// Writes each file through a temporary in its folder (mode and owner set before the rename, so
// the final name never holds a file with looser permissions), then /etc/hostname and, on a real
// node, the running hostname as the user-data's `hostname:` would.
std::string files_script(const std::vector<render::NodeFile>& files, const std::string& hostname);

// Takes bin/bundle out of the uploaded bundle and checks its SHA-256 (kRemoteDigestMismatch).
std::vector<std::string> agent_command(const std::string& root, const std::string& bundle_file,
                                       const std::string& agent_sha256);

// `bundle node install --bundle ... --config <root>/etc/bundle/node.yaml [--root <root>]`, run by
// the agent taken out above.
std::vector<std::string> install_command(const std::string& root, const std::string& bundle_file);

}  // namespace bundle::deliver
