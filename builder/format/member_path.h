// The names a bundle may hold. A member path is relative, made of non-empty components separated
// by single slashes, with no "." or ".." component, of printable ASCII but backslash (so nothing a
// terminal could take for an escape when a name is shown), and at most kMaxPathBytes bytes. Both the writer (it refuses to emit anything else) and the reader (it
// refuses to extract anything else, signed or not) apply the same rule.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/error.h"

namespace bundle::format {

inline constexpr std::size_t kMaxPathBytes = 255;
inline constexpr std::string_view kIndexName = "index.json";
inline constexpr std::string_view kSignatureName = "index.json.sig";

// Checks `path` against the rule above; the error (Code::unsafe_path) says which part is wrong.
Status check_member_path(std::string_view path);

// The directory part of a member path ("a/b/c" -> "a/b", "c" -> "").
std::string_view parent_of(std::string_view path);

}  // namespace bundle::format
