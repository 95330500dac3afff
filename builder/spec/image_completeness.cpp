#include "spec/image_completeness.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "spec/artifact_origin.h"

namespace bundle::spec {
namespace {

namespace fs = std::filesystem;

bool has_artifact(const std::vector<Artifact>& artifacts, const std::string& name) {
    return std::any_of(artifacts.begin(), artifacts.end(),
                       [&](const Artifact& artifact) { return artifact.name == name; });
}

// The artifact named by `field`, which must be one of `artifacts`.
std::optional<std::string> read_artifact_name(const Field& field,
                                              const std::vector<Artifact>& artifacts,
                                              YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (!has_artifact(artifacts, *text)) {
        errors.add(field.value_at(errors), quote_value(field.key) + " names " + quote_value(*text) +
                                               ", which is not an artifact of this definition");
        return std::nullopt;
    }
    return text;
}

std::optional<CompletenessCheck> read_entry(const YAML::Node& node, const fs::path& folder,
                                            const std::vector<Artifact>& artifacts,
                                            YamlErrors& errors) {
    Mapping map =
        Mapping::read(node, "completeness entry", {"chart", "manifests", "values"}, errors);
    if (!map.is_mapping())
        return std::nullopt;
    CompletenessCheck check;
    check.where = errors.at(node);
    const Field* chart = map.find("chart");
    const Field* manifests = map.find("manifests");
    const Field* values = map.find("values");
    if (chart != nullptr && manifests != nullptr) {
        errors.add(check.where,
                   "a completeness entry names either 'chart' or 'manifests', not both");
        return std::nullopt;
    }
    if (chart == nullptr && manifests == nullptr) {
        errors.add(check.where, "a completeness entry needs 'chart' or 'manifests'");
        return std::nullopt;
    }
    if (values != nullptr && chart == nullptr) {
        errors.add(values->value_at(errors),
                   "'values' goes with 'chart' only (a manifest has no values)");
        return std::nullopt;
    }
    check.kind =
        chart != nullptr ? CompletenessCheck::Kind::chart : CompletenessCheck::Kind::manifests;
    auto name = read_artifact_name(chart != nullptr ? *chart : *manifests, artifacts, errors);
    std::optional<fs::path> values_path;
    if (values != nullptr) {
        values_path = read_local_path(*values, folder, errors);
        if (!values_path)
            return std::nullopt;
    }
    if (!name)
        return std::nullopt;
    check.artifact = std::move(*name);
    check.values = std::move(values_path);
    return check;
}

}  // namespace

std::vector<CompletenessCheck> read_completeness(const Field* field, const fs::path& folder,
                                                 const std::vector<Artifact>& artifacts,
                                                 YamlErrors& errors) {
    std::vector<CompletenessCheck> checks;
    if (field == nullptr || field->value.IsNull())
        return checks;
    if (!field->value.IsSequence()) {
        errors.add(field->value_at(errors),
                   "completeness must be a sequence, found " + std::string(kind_of(field->value)));
        return checks;
    }
    std::map<std::string, int, std::less<>> seen;  // artifact -> line
    for (const YAML::Node& item : field->value) {
        auto check = read_entry(item, folder, artifacts, errors);
        if (!check)
            continue;
        auto [it, inserted] = seen.emplace(check->artifact, check->where.line);
        if (!inserted) {
            errors.add(check->where, "artifact " + quote_value(check->artifact) +
                                         " is already checked for completeness (line " +
                                         std::to_string(it->second) + ")");
            continue;
        }
        checks.push_back(std::move(*check));
    }
    return checks;
}

}  // namespace bundle::spec
