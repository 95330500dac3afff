// The agent's own directories (the state dir under a root), created with mode 0700 as needed.
#pragma once

#include <string>

#include "core/error.h"

namespace bundle::peer {

// Creates `path` and its missing parents (each new one 0700); existing ones are left as they are.
Status make_private_dirs(const std::string& path);

}  // namespace bundle::peer
