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

// A folder for secrets: one that is missing is created with mode 0700 (its missing parents get
// the umask's default); an existing one is left as it is, but must be a folder.
Status make_private_folder(const std::string& dir);

// A one-line key or token as a file holds it, without the newline (and any trailing spaces) that
// editors and `echo` add.
std::string without_line_end(std::string text);

}  // namespace bundle::sign
