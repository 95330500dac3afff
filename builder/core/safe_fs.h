// Filesystem operations below a directory descriptor that never follow a symbolic link, never
// change the working directory and hold no process-wide lock, so that extraction can run on every
// core and nothing it does can be redirected outside its target.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/fd.h"

namespace bundle {

// Removes `name` in `dir` and, if it is a directory, everything below it, without following
// links (a link is removed, not its target). A missing `name` is not an error. `shown` is the
// path that errors name (defaults to `name`).
Status remove_tree_at(int dir, const std::string& name, const std::string& shown = {});

// Creates the directory `path` and its missing parents, each new one with `mode`; existing ones
// are left as they are. Errors name the directory that could not be made.
Status make_directories(const std::string& path, mode_t mode);

// True when the directory `name` in `dir` has no entries.
Result<bool> directory_is_empty(int dir, const std::string& name);

// Temporaries are named "<prefix><pid>-<anything>" (AtomicFile, the extractor's staging folder).
// Removes those in `dir` whose process is gone, left by a run that was killed or lost its
// machine. A temporary of a live process is left alone.
void remove_stale_temporaries(int dir, std::string_view prefix);

}  // namespace bundle
