#include "build/yaml_values.h"

namespace bundle::build {

std::optional<YAML::Node> find_key(const YAML::Node& map, std::string_view key) {
    if (!map.IsMap())
        return std::nullopt;
    for (const auto& pair : map) {
        if (pair.first.IsScalar() && pair.first.Scalar() == key)
            return pair.second;
    }
    return std::nullopt;
}

// Recursive rather than a loop: assigning one YAML::Node to another (even inside an optional)
// overwrites the node it refers to, inside the caller's document.
std::optional<YAML::Node> find_path(const YAML::Node& root, std::string_view dotted) {
    auto dot = dotted.find('.');
    auto child = find_key(root, dotted.substr(0, dot));
    if (!child || dot == std::string_view::npos)
        return child;
    return find_path(*child, dotted.substr(dot + 1));
}

bool is_true(const std::optional<YAML::Node>& value, bool if_null) {
    if (!value || value->IsNull())
        return if_null;
    if (value->IsMap() || value->IsSequence())
        return value->size() > 0;
    if (!value->IsScalar())
        return false;
    const std::string& text = value->Scalar();
    if (value->Tag() == "!")  // quoted: a string, true unless empty
        return !text.empty();
    bool flag = false;
    if (YAML::convert<bool>::decode(*value, flag))
        return flag;
    double number = 0;
    if (YAML::convert<double>::decode(*value, number))
        return number != 0;
    return !text.empty();
}

std::optional<std::string> non_empty_text(const std::optional<YAML::Node>& value) {
    if (!value || !value->IsScalar() || value->Scalar().empty())
        return std::nullopt;
    return value->Scalar();
}

}  // namespace bundle::build
