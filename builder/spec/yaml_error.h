// Human-edited YAML files (image definitions, cluster.yaml) report mistakes the way a compiler
// does: every mistake of the file at once, one line each, "file:line:col: message", with 1-based
// positions taken from yaml-cpp's marks. A parser walks the document once, adds what it finds
// wrong to a YamlErrors, and returns YamlErrors::to_error() at the end if anything was added.
//
// yaml-cpp accepts a mapping with the same key twice and keeps both pairs, and looking a key up
// with node["key"] silently picks one; Mapping reads the pairs itself so that duplicate and
// unknown keys are reported rather than ignored.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace bundle::spec {

struct Location {
    std::string file;
    int line = 0;    // 1-based
    int column = 0;  // 1-based
};

// "file:line:col".
std::string to_string(const Location& where);

// `text` in single quotes for an error message: control characters escaped as \xNN, and cut
// after 64 bytes so that a pasted blob does not flood the terminal.
std::string quote_value(std::string_view text);

// "a scalar", "a sequence", "a mapping" or "an empty value", for "found ..." in messages.
const char* kind_of(const YAML::Node& node);

class YamlErrors {
  public:
    explicit YamlErrors(std::string file) : file_(std::move(file)) {}

    const std::string& file() const { return file_; }

    // The 1-based position of a node or mark in this file; a mark yaml-cpp did not set (an
    // exception without a position) becomes 1:1 rather than 0:0.
    Location at(const YAML::Mark& mark) const;
    Location at(const YAML::Node& node) const { return at(node.Mark()); }

    void add(Location where, std::string message);
    void add(const YAML::Node& node, std::string message) { add(at(node), std::move(message)); }

    bool empty() const { return lines_.empty(); }
    std::size_t size() const { return lines_.size(); }

    // One Code::invalid_input Error with an empty `where`: the lines sorted by position (the
    // order a reader meets them in the file), joined by "\n". Only meaningful when !empty().
    Error to_error() const;

  private:
    std::string file_;
    std::vector<std::pair<Location, std::string>> lines_;
};

// The single document of `text`. A syntax error, an empty file or a second document is added
// to `errors` and gives nullopt; yaml-cpp's exceptions never leave this function.
std::optional<YAML::Node> load_document(std::string_view text, YamlErrors& errors);

// Reads the single document of `text` with `read(root, errors)` and gives its value, or one
// error listing every mistake of the file. Walking a loaded document is not expected to throw;
// should a corner of yaml-cpp do so anyway, it is still a mistake of the file and reported as one.
template <class T, class Read>
Result<T> parse_document(std::string_view text, const std::string& file, Read&& read) {
    YamlErrors errors(file);
    T value{};
    try {
        if (auto root = load_document(text, errors))
            value = read(*root, errors);
    } catch (const YAML::Exception& e) {
        errors.add(errors.at(e.mark), "cannot read YAML: " + e.msg);
    }
    if (!errors.empty())
        return errors.to_error();
    return value;
}

// One `key: value` pair, with the key node kept so that errors about a value that is missing
// (`key:` with nothing after it, whose mark yaml-cpp puts on the next line) can point at the key.
struct Field {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;

    // Where an error about the value belongs: the value, or the key when the value is empty.
    Location value_at(const YamlErrors& errors) const;
};

class Mapping {
  public:
    // Reads the pairs of `node`, reporting a node that is not a mapping, keys that are not
    // scalars, keys not in `allowed` and keys given twice (only the first one is kept).
    // `what` names the mapping in messages ("image", "artifact").
    static Mapping read(const YAML::Node& node, std::string_view what,
                        std::initializer_list<std::string_view> allowed, YamlErrors& errors);

    bool is_mapping() const { return is_mapping_; }
    const YAML::Node& node() const { return node_; }

    // The pair for `key`, or nullptr when it is absent.
    const Field* find(std::string_view key) const;
    // Same, but an absent key is reported at the mapping ("missing required key 'k' in what");
    // nothing more is reported when the node was not a mapping at all.
    const Field* require(std::string_view key, YamlErrors& errors) const;

  private:
    YAML::Node node_;
    std::string what_;
    bool is_mapping_ = false;
    std::vector<Field> fields_;
};

// The text of a scalar value; an empty value, a sequence or a mapping is reported and gives
// nullopt.
std::optional<std::string> scalar_value(const Field& field, YamlErrors& errors);

}  // namespace bundle::spec
