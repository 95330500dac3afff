// The name rule shared by image names, artifact names and image groups.
#pragma once

#include <string_view>

namespace bundle::spec {

inline bool is_lower_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// [a-z0-9][a-z0-9._-]*: safe in file names, URLs and Kubernetes labels alike.
inline bool is_name(std::string_view text) {
    if (text.empty() || !is_lower_or_digit(text.front()))
        return false;
    for (char c : text) {
        if (!is_lower_or_digit(c) && c != '.' && c != '_' && c != '-')
            return false;
    }
    return true;
}

}  // namespace bundle::spec
