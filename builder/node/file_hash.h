// Hashing a file the node agent reads through a descriptor it opened itself (so the caller
// decides whether a link may be followed): the bundle, the node agent, what K3s starts with.
#pragma once

#include <string>

#include "core/error.h"
#include "core/fd.h"

namespace bundle::node {

// SHA-256 (hex) of what `in` reads to its end, optionally copying every byte into `copy_to`
// (named `copy_name` in errors); read errors name `path`.
Result<std::string> hash_fd(const UniqueFd& in, const std::string& path, int copy_to = -1,
                            const std::string& copy_name = {});

}  // namespace bundle::node
