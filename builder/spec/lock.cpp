#include "spec/lock.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>
#include <utility>

#include "hash/sha256.h"
#include "spec/lock_values.h"
#include "spec/name.h"
#include "spec/reference.h"
#include "spec/small_file.h"
#include "spec/url.h"
#include "spec/yaml_error.h"

namespace bundle::spec {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t max_lock_size = 16 * 1024 * 1024;

template <class T>
void assign(std::optional<T> value, T& out) {
    if (value)
        out = std::move(*value);
}

// A checked scalar: `problem` gives why its text is wrong, or nullopt when it is right.
template <class Check>
std::optional<std::string> checked(const Field& field, YamlErrors& errors, Check problem) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (auto why = problem(*text)) {
        errors.add(field.value_at(errors), std::move(*why));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_name(const Field& field, YamlErrors& errors) {
    return checked(field, errors, [&](const std::string& text) -> std::optional<std::string> {
        if (is_name(text))
            return std::nullopt;
        return quote_value(field.key) + " must match [a-z0-9][a-z0-9._-]*, found " +
               quote_value(text);
    });
}

std::optional<std::string> read_url(const Field& field, YamlErrors& errors) {
    return checked(field, errors, [&](const std::string& text) -> std::optional<std::string> {
        if (auto problem = http_url_problem(text))
            return "url " + quote_value(text) + " is not usable: " + *problem;
        return std::nullopt;
    });
}

std::optional<std::string> read_sha256(const Field& field, YamlErrors& errors) {
    return checked(field, errors, [](const std::string& text) -> std::optional<std::string> {
        if (hash::sha256_from_hex(text))
            return std::nullopt;
        return "sha256 must be 64 lowercase hex digits, found " + quote_value(text);
    });
}

std::optional<std::string> read_digest(const Field& field, YamlErrors& errors) {
    return checked(field, errors, [](const std::string& text) -> std::optional<std::string> {
        if (is_digest(text))
            return std::nullopt;
        return "digest must be 'sha256:' and 64 lowercase hex digits, found " + quote_value(text);
    });
}

std::optional<std::string> read_media_type(const Field& field, YamlErrors& errors) {
    return checked(field, errors, [](const std::string& text) -> std::optional<std::string> {
        if (is_media_type(text))
            return std::nullopt;
        return "mediaType must be a media type such as "
               "'application/vnd.oci.image.manifest.v1+json', found " +
               quote_value(text);
    });
}

std::optional<std::string> read_reference(const Field& field, YamlErrors& errors) {
    return checked(field, errors, [](const std::string& text) -> std::optional<std::string> {
        if (auto reference = parse_image_reference(text); !reference)
            return reference.error().message;
        return std::nullopt;
    });
}

// A plain unsigned integer; a quoted one is a string in YAML and is refused as such.
std::optional<std::uint64_t> read_size(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (field.value.Tag() == "!") {
        errors.add(field.value_at(errors),
                   "size must be an integer, found the string " + quote_value(*text));
        return std::nullopt;
    }
    std::uint64_t size = 0;
    const char* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, size);
    bool digits_only = !text->empty() && text->front() != '+' && ptr == end;
    if (ec == std::errc::result_out_of_range) {
        errors.add(field.value_at(errors), "size " + quote_value(*text) + " is too large");
        return std::nullopt;
    }
    if (ec != std::errc() || !digits_only) {
        errors.add(field.value_at(errors),
                   "size must be an unsigned integer, found " + quote_value(*text));
        return std::nullopt;
    }
    return size;
}

void read_descriptor_fields(const Mapping& map, Descriptor& out, YamlErrors& errors) {
    if (const Field* field = map.require("digest", errors))
        assign(read_digest(*field, errors), out.digest);
    if (const Field* field = map.require("size", errors))
        assign(read_size(*field, errors), out.size);
    if (const Field* field = map.require("mediaType", errors))
        assign(read_media_type(*field, errors), out.media_type);
}

Descriptor read_descriptor(const YAML::Node& node, std::string_view what, YamlErrors& errors) {
    Descriptor descriptor;
    Mapping map = Mapping::read(node, what, {"digest", "size", "mediaType"}, errors);
    read_descriptor_fields(map, descriptor, errors);
    return descriptor;
}

// Where a sequence-valued key is absent or empty, an empty list; anything else not a sequence
// is reported.
bool is_list(const Field* field, YamlErrors& errors) {
    if (field == nullptr || field->value.IsNull())
        return false;
    if (!field->value.IsSequence()) {
        errors.add(field->value_at(errors),
                   quote_value(field->key) + " must be a sequence, found " + kind_of(field->value));
        return false;
    }
    return true;
}

struct Positioned {
    std::string key;
    Location at;
};

LockedArtifact read_artifact(const YAML::Node& node, YamlErrors& errors,
                             std::optional<Positioned>& name_at) {
    LockedArtifact artifact;
    Mapping map = Mapping::read(node, "locked artifact", {"name", "url", "size", "sha256", "pin"}, errors);
    if (const Field* field = map.require("name", errors)) {
        assign(read_name(*field, errors), artifact.name);
        if (!artifact.name.empty())
            name_at = Positioned{artifact.name, field->value_at(errors)};
    }
    if (const Field* field = map.require("url", errors))
        assign(read_url(*field, errors), artifact.url);
    if (const Field* field = map.require("size", errors))
        assign(read_size(*field, errors), artifact.size);
    if (const Field* field = map.require("sha256", errors))
        assign(read_sha256(*field, errors), artifact.sha256);
    if (const Field* field = map.require("pin", errors))
        assign(scalar_value(*field, errors), artifact.pin);
    return artifact;
}

LockedImage read_image(const YAML::Node& node, YamlErrors& errors,
                       std::optional<Positioned>& key_at) {
    LockedImage image;
    Mapping map = Mapping::read(
        node, "locked image",
        {"group", "reference", "digest", "mediaType", "size", "manifest", "blobs"}, errors);
    if (const Field* field = map.require("group", errors))
        assign(read_name(*field, errors), image.group);
    std::optional<Location> reference_at;
    if (const Field* field = map.require("reference", errors)) {
        assign(read_reference(*field, errors), image.reference);
        reference_at = field->value_at(errors);
    }
    if (!image.group.empty() && !image.reference.empty())
        key_at = Positioned{image.group + " " + image.reference, *reference_at};
    read_descriptor_fields(map, image.top, errors);
    if (const Field* field = map.require("manifest", errors))
        image.manifest = read_descriptor(field->value, "manifest", errors);
    if (const Field* field = map.require("blobs", errors); is_list(field, errors)) {
        for (const YAML::Node& blob : field->value)
            image.blobs.push_back(read_descriptor(blob, "blob", errors));
    }
    return image;
}

void report_duplicates(const std::vector<std::optional<Positioned>>& keys, std::string_view what,
                       YamlErrors& errors) {
    std::map<std::string, Location, std::less<>> seen;
    for (const auto& key : keys) {
        if (!key)
            continue;
        auto [it, inserted] = seen.emplace(key->key, key->at);
        if (!inserted)
            errors.add(key->at, "duplicate " + std::string(what) + " " + quote_value(key->key) +
                                    " (first at line " + std::to_string(it->second.line) + ")");
    }
}

Lock read_lock(const YAML::Node& root, YamlErrors& errors) {
    Lock lock;
    Mapping top =
        Mapping::read(root, "lock", {"apiVersion", "kind", "image", "artifacts", "images"}, errors);
    if (!top.is_mapping())
        return lock;
    for (auto [key, expected] : {std::pair{"apiVersion", "bundle/v1"}, std::pair{"kind", "Lock"}}) {
        const Field* field = top.require(key, errors);
        if (field == nullptr)
            continue;
        auto text = scalar_value(*field, errors);
        if (text && *text != expected)
            errors.add(field->value_at(errors), std::string(key) + " must be " +
                                                    quote_value(expected) + ", found " +
                                                    quote_value(*text));
    }
    if (const Field* field = top.require("image", errors))
        assign(read_name(*field, errors), lock.image);
    if (const Field* field = top.find("artifacts"); is_list(field, errors)) {
        std::vector<std::optional<Positioned>> names;
        for (const YAML::Node& item : field->value) {
            names.emplace_back();
            lock.artifacts.push_back(read_artifact(item, errors, names.back()));
        }
        report_duplicates(names, "locked artifact", errors);
    }
    if (const Field* field = top.find("images"); is_list(field, errors)) {
        std::vector<std::optional<Positioned>> keys;
        for (const YAML::Node& item : field->value) {
            keys.emplace_back();
            lock.images.push_back(read_image(item, errors, keys.back()));
        }
        report_duplicates(keys, "locked image (group and reference)", errors);
    }
    return lock;
}

}  // namespace

void sort_lock(Lock& lock) {
    std::sort(lock.artifacts.begin(), lock.artifacts.end(),
              [](const LockedArtifact& a, const LockedArtifact& b) { return a.name < b.name; });
    std::sort(lock.images.begin(), lock.images.end(),
              [](const LockedImage& a, const LockedImage& b) {
                  return std::tie(a.group, a.reference) < std::tie(b.group, b.reference);
              });
}

Result<Lock> parse_lock(std::string_view yaml_text, const fs::path& file) {
    auto lock = parse_document<Lock>(yaml_text, file.string(), [](const YAML::Node& root, YamlErrors& errors) {
        return read_lock(root, errors);
    });
    if (lock)
        sort_lock(*lock);
    return lock;
}

Result<Lock> load_lock(const fs::path& file) {
    auto text = read_small_file(file, max_lock_size, "lock", "16 MiB");
    if (!text)
        return std::move(text).error();
    return parse_lock(*text, file);
}

}  // namespace bundle::spec
