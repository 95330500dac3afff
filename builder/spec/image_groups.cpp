#include "spec/image_groups.h"

#include <map>
#include <utility>

#include "format/member_path.h"
#include "spec/name.h"
#include "spec/reference.h"

namespace bundle::spec {
namespace {

void read_references(const std::string& group, const YAML::Node& value, const Location& key_at,
                     ImageGroup& out, YamlErrors& errors) {
    if (value.IsNull() || (value.IsSequence() && value.size() == 0)) {
        errors.add(key_at, "image group " + quote_value(group) +
                               " is empty; list at least one image reference");
        return;
    }
    if (!value.IsSequence()) {
        errors.add(value, "image group " + quote_value(group) +
                              " must be a sequence of image references, found " + kind_of(value));
        return;
    }
    std::map<std::string, int> seen;  // normalised reference -> line
    for (const YAML::Node& item : value) {
        if (!item.IsScalar()) {
            errors.add(item,
                       "an image reference must be a scalar, found " + std::string(kind_of(item)));
            continue;
        }
        const std::string& text = item.Scalar();
        auto reference = parse_image_reference(text);
        if (!reference) {
            errors.add(item, reference.error().message);
            continue;
        }
        Location at = errors.at(item);
        auto [it, inserted] = seen.emplace(reference->full(), at.line);
        if (!inserted) {
            errors.add(at, "duplicate image " + quote_value(text) + " in group " +
                               quote_value(group) + " (first at line " +
                               std::to_string(it->second) + ")");
            continue;
        }
        out.references.push_back(text);
        out.reference_at.push_back(std::move(at));
    }
}

}  // namespace

std::string group_archive(const std::string& group) {
    return "images/" + group + ".oci.tar";
}

std::vector<ImageGroup> read_image_groups(const Field* field, YamlErrors& errors) {
    std::vector<ImageGroup> groups;
    if (field == nullptr || field->value.IsNull())
        return groups;
    if (!field->value.IsMap()) {
        errors.add(field->value_at(errors),
                   "images must be a mapping of group name to image "
                   "references, found " +
                       std::string(kind_of(field->value)));
        return groups;
    }
    std::map<std::string, int, std::less<>> seen;  // group -> line
    for (const auto& pair : field->value) {
        const YAML::Node& key = pair.first;
        if (!key.IsScalar()) {
            errors.add(key,
                       "an image group name must be a scalar, found " + std::string(kind_of(key)));
            continue;
        }
        const std::string& name = key.Scalar();
        Location at = errors.at(key);
        if (!is_name(name)) {
            errors.add(
                at, "image group name must match [a-z0-9][a-z0-9._-]*, found " + quote_value(name));
            continue;
        }
        if (auto safe = format::check_member_path(group_archive(name)); !safe) {
            errors.add(at, "image group name " + quote_value(name) + " gives the archive " +
                               quote_value(group_archive(name)) + ", not a valid bundle path (" +
                               safe.error().message + ")");
            continue;
        }
        auto [it, inserted] = seen.emplace(name, at.line);
        if (!inserted) {
            errors.add(at, "duplicate image group " + quote_value(name) + " (first at line " +
                               std::to_string(it->second) + ")");
            continue;
        }
        ImageGroup group;
        group.name = name;
        group.where = at;
        read_references(name, pair.second, at, group, errors);
        groups.push_back(std::move(group));
    }
    return groups;
}

}  // namespace bundle::spec
