// gzip for cloud-init's `encoding: gz+b64` (write_files), when a node's user-data would exceed
// the 16 KiB that provider panels accept. Deterministic: no name and a zero time in the header,
// so the same input renders the same user-data.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace bundle::render {

Result<std::string> gzip(std::string_view data);

}  // namespace bundle::render
