// Reading a whole small input file (a definition, a lock) into memory, refusing one larger than
// its kind could reasonably be before reading it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace bundle::spec {

// The content of `file`. Code::io (with `where` = the path) when it cannot be read;
// Code::invalid_input "<what> is N bytes, more than the <limit> allowed" when it is larger than
// `limit` bytes (`limit_text` names the limit for a person, "1 MiB").
Result<std::string> read_small_file(const std::filesystem::path& file, std::uint64_t limit,
                                    std::string_view what, std::string_view limit_text);

}  // namespace bundle::spec
