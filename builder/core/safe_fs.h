// Filesystem operations below a directory descriptor that never follow a symbolic link, never
// change the working directory and hold no process-wide lock, so that extraction can run on every
// core and nothing it does can be redirected outside its target.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/fd.h"

namespace bundle {

// Opens the directory `relative` ("a/b", or "" for `root` itself) below `root`, refusing any
// component that is a link or not a directory. The descriptor is O_PATH: usable as a dirfd.
Result<UniqueFd> open_directory_beneath(int root, std::string_view relative, const std::string& where);

// Removes `name` in `dir` and, if it is a directory, everything below it, without following
// links (a link is removed, not its target). A missing `name` is not an error.
Status remove_tree_at(int dir, const std::string& name);

// True when the directory `name` in `dir` has no entries.
Result<bool> directory_is_empty(int dir, const std::string& name);

}  // namespace bundle
