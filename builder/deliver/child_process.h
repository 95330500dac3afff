// Running one outside program (here: the OpenSSH client) with its stdin fed and its stdout and
// stderr read at the same time, by one poll loop in the calling thread. Feeding and reading at
// once is what lets a multi-gigabyte upload stream through a fixed buffer while the remote side
// reports back, without either side waiting on a full pipe.
//
// The program is looked up in PATH and started with posix_spawnp: no shell, so nothing in argv
// is ever interpreted. It gets the default action for SIGPIPE and an empty signal mask whatever
// this process uses; a write to a program that has gone away is an EPIPE here, never a signal
// that ends this process.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bundle::deliver {

// Produces the child's stdin piece by piece: returns the next bytes (valid until the next
// call), an empty view at the end, or an Error that stops the child.
using InputSource = std::function<Result<std::string_view>()>;
using OutputSink = std::function<void(std::string_view bytes)>;

struct ChildIo {
    InputSource input;       // empty: stdin is /dev/null
    OutputSink on_stdout;    // empty: stdout goes to /dev/null
    OutputSink on_stderr;    // empty: stderr goes to /dev/null (or to stderr_file)
    std::string stderr_file;  // when set: stderr goes to this file (created 0600), for a child
                              // that leaves a background process holding it (ssh -f)
    const std::atomic<bool>* cancel = nullptr;  // set: the child gets SIGTERM, the run an Error
};

// Runs argv to its end and returns its exit status (128 + the signal's number when a signal
// ended it). An Error when it could not be started (Code::io, naming the program), when the
// input failed, or when it was cancelled.
Result<int> run_child(const std::vector<std::string>& argv, const ChildIo& io);

}  // namespace bundle::deliver
