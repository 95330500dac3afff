#include "spec/yaml_error.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace bundle::spec {

std::string to_string(const Location& where) {
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

std::string quote_value(std::string_view text) {
    constexpr std::size_t max_shown = 64;
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < max_shown; ++i) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned>(byte));
            out += escaped;
        } else {
            out += text[i];
        }
    }
    if (text.size() > max_shown)
        out += "...";
    out += "'";
    return out;
}

const char* kind_of(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Scalar:
            return "a scalar";
        case YAML::NodeType::Sequence:
            return "a sequence";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return "an empty value";
    }
    return "an empty value";
}

Location YamlErrors::at(const YAML::Mark& mark) const {
    if (mark.is_null())
        return Location{file_, 1, 1};
    return Location{file_, mark.line + 1, mark.column + 1};
}

void YamlErrors::add(Location where, std::string message) {
    lines_.emplace_back(std::move(where), std::move(message));
}

Error YamlErrors::to_error() const {
    auto sorted = lines_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return std::pair(a.first.line, a.first.column) < std::pair(b.first.line, b.first.column);
    });
    std::string message;
    for (const auto& [where, text] : sorted) {
        if (!message.empty())
            message += '\n';
        message += to_string(where) + ": " + text;
    }
    return Error{Code::invalid_input, "", std::move(message)};
}

namespace {

// Records where each document starts and ignores everything else.
class DocumentStarts : public YAML::EventHandler {
  public:
    std::vector<YAML::Mark> starts;

    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// Where the first `limit` documents of `text` start. yaml-cpp 0.7 does not consume some stray
// tokens (a ',' outside a flow collection) and then reports the same empty document at the same
// place forever, which is why YAML::LoadAll, which loops until the end, hangs on such a file
// (jbeder/yaml-cpp#1040) and is not used. Throws YAML::ParserException on a syntax error.
std::vector<YAML::Mark> document_starts(std::string_view text, std::size_t limit) {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    DocumentStarts handler;
    while (handler.starts.size() < limit && parser.HandleNextDocument(handler)) {
    }
    return std::move(handler.starts);
}

// Why the document structure of `text` is wrong, or nullopt when it holds exactly one document.
std::optional<std::pair<YAML::Mark, std::string>> document_problem(std::string_view text) {
    std::vector<YAML::Mark> starts = document_starts(text, 3);
    if (starts.empty())
        return std::pair(YAML::Mark(), std::string("the file is empty"));
    for (std::size_t i = 1; i < starts.size(); ++i) {
        if (starts[i].pos == starts[i - 1].pos) {  // the parser is stuck, see document_starts
            // pos counts decoded characters, so it is a byte offset only for UTF-8 input.
            auto pos = static_cast<std::size_t>(starts[i].pos);
            std::string token = pos < text.size() ? quote_value(text.substr(pos, 1)) : "input";
            return std::pair(starts[i], "YAML syntax error: unexpected " + token);
        }
    }
    if (starts.size() > 1)
        return std::pair(starts[1], std::string("a second YAML document; the file must hold "
                                                "exactly one"));
    return std::nullopt;
}

}  // namespace

std::optional<YAML::Node> load_document(std::string_view text, YamlErrors& errors) {
    try {
        if (auto problem = document_problem(text)) {
            errors.add(errors.at(problem->first), std::move(problem->second));
            return std::nullopt;
        }
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        errors.add(errors.at(e.mark), "YAML syntax error: " + e.msg);
        return std::nullopt;
    }
}

Location Field::value_at(const YamlErrors& errors) const {
    return errors.at(value.IsNull() ? key_node : value);
}

namespace {

std::string one_of(std::initializer_list<std::string_view> allowed) {
    std::string out;
    for (std::string_view key : allowed) {
        if (!out.empty())
            out += ", ";
        out += key;
    }
    return out;
}

// Why the pair with this key cannot be kept in `mapping`, or nullopt when it can.
std::optional<std::string> key_problem(const YAML::Node& key, const Mapping& mapping,
                                       std::string_view what,
                                       std::initializer_list<std::string_view> allowed,
                                       const YamlErrors& errors) {
    if (!key.IsScalar())
        return "a key must be a scalar, found " + std::string(kind_of(key));
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        return "unknown key " + quote_value(name) + " in " + std::string(what) +
               " (expected one of: " + one_of(allowed) + ")";
    }
    if (const Field* first = mapping.find(name)) {
        return "duplicate key " + quote_value(name) + " in " + std::string(what) +
               " (first at line " + std::to_string(errors.at(first->key_node).line) + ")";
    }
    return std::nullopt;
}

}  // namespace

Mapping Mapping::read(const YAML::Node& node, std::string_view what,
                      std::initializer_list<std::string_view> allowed, YamlErrors& errors) {
    Mapping mapping;
    mapping.node_ = node;
    mapping.what_ = what;
    if (!node.IsMap()) {
        errors.add(node, std::string(what) + " must be a mapping, found " + kind_of(node));
        return mapping;
    }
    mapping.is_mapping_ = true;
    for (const auto& pair : node) {
        if (auto problem = key_problem(pair.first, mapping, what, allowed, errors))
            errors.add(pair.first, std::move(*problem));
        else
            mapping.fields_.push_back(Field{pair.first.Scalar(), pair.first, pair.second});
    }
    return mapping;
}

const Field* Mapping::find(std::string_view key) const {
    for (const Field& field : fields_) {
        if (field.key == key)
            return &field;
    }
    return nullptr;
}

const Field* Mapping::require(std::string_view key, YamlErrors& errors) const {
    const Field* field = find(key);
    if (field == nullptr && is_mapping_) {
        errors.add(node_, "missing required key " + quote_value(key) + " in " + what_);
    }
    return field;
}

std::optional<std::string> scalar_value(const Field& field, YamlErrors& errors) {
    if (field.value.IsScalar())
        return field.value.Scalar();
    if (field.value.IsNull()) {
        errors.add(field.value_at(errors), quote_value(field.key) + " has no value");
        return std::nullopt;
    }
    errors.add(field.value_at(errors),
               quote_value(field.key) + " must be a scalar, found " + kind_of(field.value));
    return std::nullopt;
}

}  // namespace bundle::spec
