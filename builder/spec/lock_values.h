// Helpers shared by the lock's parser, renderer and check; not part of the spec interface.
#pragma once

#include <string_view>

#include "spec/lock.h"

namespace bundle::spec {

// "sha256:" followed by 64 lowercase hex digits.
bool is_digest(std::string_view text);

// type "/" subtype, each [A-Za-z0-9][A-Za-z0-9!#$&^_.+-]* (RFC 6838's restricted names).
bool is_media_type(std::string_view text);

// The lock's canonical order: artifacts by name, images by group then reference.
void sort_lock(Lock& lock);

}  // namespace bundle::spec
