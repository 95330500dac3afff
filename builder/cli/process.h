// What the command line sets up for the whole process before any work starts.
#pragma once

#include <atomic>

namespace bundle::cli {

// SIGINT and SIGTERM set this flag, which the long operations check between work items, so that
// an interrupted build or extract removes its temporaries before exiting. A second signal kills
// the process at once (the handler restores the default action).
const std::atomic<bool>& interrupted();
void install_interrupt_handlers();

// Extraction keeps a descriptor per directory of the bundle: raise the soft limit on open files
// to the hard limit, as a service manager's default soft limit (1024) can be too low.
void raise_open_file_limit();

}  // namespace bundle::cli
