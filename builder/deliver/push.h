// `bundle push`: what the user-data would do at first boot, done over SSH instead, for a provider
// whose reinstall takes no user-data (the OVH VPS reinstall API, for one). The caller has
// verified the bundle and rendered the node's files (render/node_delivery.h); then, over one
// SSH connection (ssh.h), each step a remote command (remote_scripts.h):
//
//   check    the tools the steps need, free space, and the SHA-256 of a bundle already there
//   upload   the bundle on stdin, unless the node has one with the same SHA-256; hashed again on
//            both sides, renamed into place only when it matches
//   files    the node's files (the user-data's write_files, same owners and modes) and hostname,
//            on stdin of `sh -s`: the secrets in them never appear in an argv or a log
//   agent    bin/bundle taken out of the bundle with tar, run only if its SHA-256 is the
//            user-data's, as the bootstrap script does
//   install  `bundle node install`, its stdout and stderr streamed back as they come
//
// Every step is safe to repeat, so after any failure the remedy is to push again. Failures name
// the login and the step; the install's own exit status is a result, not an error, for the
// command line to report with a code of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/error.h"
#include "deliver/child_process.h"
#include "deliver/ssh.h"
#include "render/node_delivery.h"

namespace bundle::deliver {

struct PushReport {
    std::function<void(const std::string&)> say;  // what is being done, for a person
    // The upload starts (the bundle's size); returns a counter for the bytes sent, or nullptr.
    std::function<std::atomic<std::uint64_t>*(std::uint64_t size)> upload_begins;
    std::function<void()> upload_ends;
    OutputSink out, err;  // the node install's stdout and stderr
};

struct PushOptions {
    SshTarget target;
    std::string root;  // a trial run's folder on the node; "" for the real system
    PushReport report;
    const std::atomic<bool>* cancel = nullptr;
};

struct PushResult {
    std::string login;  // as SshSession::name()
    bool uploaded = false;
    int install_status = 0;
};

// A trial run's folder: absolute, not "/" itself, without control characters. Returns it
// without trailing slashes.
Result<std::string> check_trial_root(const std::string& root);

Result<PushResult> push(const render::NodeDelivery& node, const PushOptions& options);

}  // namespace bundle::deliver
