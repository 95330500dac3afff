// What `bundle image` and `bundle push` use when not told.
//
// The bundle: the one `*.bundle` in ./dist, where `bundle build` writes by default. With none,
// or several (older builds kept beside the new one), the error names the folder and lists them:
// choosing one among several is the operator's call, since nodes refuse a bundle older than the
// one they run.
//
// The seed image: `<node>-seed.iso` in the current folder. `--out` names the file, or, when it
// is an existing folder, the folder that gets `<node>-seed.iso`. Not beside the bundle: a
// folder of bundles is often published as a whole, and the image holds the node's secrets.
#pragma once

#include <string>

#include "core/error.h"

namespace bundle::deliver {

inline constexpr char kDefaultBundleDir[] = "dist";

Result<std::string> default_bundle(const std::string& dir = kDefaultBundleDir);

std::string seed_iso_path(const std::string& out, const std::string& node);

}  // namespace bundle::deliver
