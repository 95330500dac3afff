// Reading Helm values and Kubernetes objects held as yaml-cpp nodes without ever changing them
// (yaml-cpp's non-const operator[] inserts the key it looks up) and with Go templates' idea of
// truth, which is what decides whether a chart renders a component.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

namespace bundle::build {

// The value of `key` in `map`, or nullopt when `map` is not a mapping or has no such key.
std::optional<YAML::Node> find_key(const YAML::Node& map, std::string_view key);

// The value at a dotted path ("hubble.relay.enabled"), or nullopt when any step is missing.
std::optional<YAML::Node> find_path(const YAML::Node& root, std::string_view dotted);

// Go templates' truth: false, 0, "", null, an empty mapping or sequence are false, the rest true.
// A plain scalar is read as YAML reads it (true/false, numbers); a quoted one is a string, so
// "false" in quotes is true, as it is for Helm. `if_null` is the answer for a missing or null
// value, for the keys a chart treats as "on unless said otherwise".
bool is_true(const std::optional<YAML::Node>& value, bool if_null = false);

// The text of a string-like scalar, or nullopt for null, a mapping, a sequence or "".
std::optional<std::string> non_empty_text(const std::optional<YAML::Node>& value);

}  // namespace bundle::build
