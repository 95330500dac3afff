// Reading key files and other secrets (the K3s token, WireGuard keys) without leaving copies of
// them in freed memory, and refusing a secret that other users can read.
#pragma once

#include <string>

#include "core/error.h"

namespace bundle::sign {

enum class KeyFile { public_key, private_key };

// Key files are regular files of at most 64 KiB; anything else (a device, a FIFO, a larger file)
// is refused before it is read. A private one must not be readable by group or others.
Result<std::string> read_key_file(const std::string& path, KeyFile kind);

}  // namespace bundle::sign
