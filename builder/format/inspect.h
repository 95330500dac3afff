// What `bundle inspect` shows: the index, for a person (text) or a program (JSON).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "format/reader.h"

namespace bundle::format {

std::string describe_text(const OpenBundle& bundle);
nlohmann::json describe_json(const OpenBundle& bundle);

// "1.5 GiB", "312 KiB", "17 B"
std::string human_size(std::uint64_t bytes);

}  // namespace bundle::format
