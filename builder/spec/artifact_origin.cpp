#include "spec/artifact_origin.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "hash/sha256.h"
#include "spec/name.h"
#include "spec/url.h"

namespace bundle::spec {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_sha256(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (!hash::sha256_from_hex(*text)) {
        errors.add(field.value_at(errors),
                   "sha256 must be 64 lowercase hex digits, found " + quote_value(*text));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_http_url(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (auto problem = http_url_problem(*text)) {
        errors.add(field.value_at(errors), quote_value(field.key) + " " + quote_value(*text) +
                                               " is not usable: " + *problem);
        return std::nullopt;
    }
    return text;
}

bool read_trust(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (text && *text != "first-use") {
        errors.add(
            field.value_at(errors),
            "trust must be 'first-use' (the only way to trust), found " + quote_value(*text));
        return false;
    }
    return text.has_value();
}

// A chart version as Helm writes them (SemVer, sometimes with a leading 'v').
bool is_chart_version(std::string_view text) {
    return !text.empty() && text.size() <= 128 &&
           text.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789.+_-") == std::string_view::npos;
}

std::optional<HelmChart> read_helm(const Field& field, YamlErrors& errors) {
    if (field.value.IsNull()) {
        errors.add(field.value_at(errors), "'helm' has no value");
        return std::nullopt;
    }
    Mapping map = Mapping::read(field.value, "helm", {"repository", "chart", "version"}, errors);
    HelmChart chart;
    bool complete = map.is_mapping();
    if (const Field* repository = map.require("repository", errors)) {
        auto url = read_http_url(*repository, errors);
        complete = complete && url;
        chart.repository = url.value_or("");
    } else {
        complete = false;
    }
    if (const Field* name = map.require("chart", errors)) {
        auto text = scalar_value(*name, errors);
        if (text && !is_name(*text)) {
            errors.add(name->value_at(errors),
                       "chart must match [a-z0-9][a-z0-9._-]*, found " + quote_value(*text));
            text.reset();
        }
        complete = complete && text;
        chart.chart = text.value_or("");
    } else {
        complete = false;
    }
    if (const Field* version = map.require("version", errors)) {
        auto text = scalar_value(*version, errors);
        if (text && !is_chart_version(*text)) {
            errors.add(
                version->value_at(errors),
                "version must be a chart version such as '1.18.4', found " + quote_value(*text));
            text.reset();
        }
        complete = complete && text;
        chart.version = text.value_or("");
    } else {
        complete = false;
    }
    if (!complete)
        return std::nullopt;
    return chart;
}

// The fields of `map` among `keys`, in the order they are written.
std::vector<const Field*> present(const Mapping& map,
                                  std::initializer_list<std::string_view> keys) {
    std::vector<const Field*> fields;
    for (std::string_view key : keys) {
        if (const Field* field = map.find(key))
            fields.push_back(field);
    }
    std::sort(fields.begin(), fields.end(), [](const Field* a, const Field* b) {
        return a->key_node.Mark().pos < b->key_node.Mark().pos;
    });
    return fields;
}

// Each of `fields` after the first is reported at its key as conflicting with the first.
void report_extra(const std::vector<const Field*>& fields, std::string_view rule,
                  YamlErrors& errors) {
    for (std::size_t i = 1; i < fields.size(); ++i) {
        errors.add(fields[i]->key_node, quote_value(fields[i]->key) + " conflicts with " +
                                            quote_value(fields[0]->key) + " (line " +
                                            std::to_string(errors.at(fields[0]->key_node).line) +
                                            "); " + std::string(rule));
    }
}

// The last path component of `url`, which a checksum file is searched for.
bool ends_in_file_name(std::string_view url) {
    std::string_view path = url.substr(0, url.find_first_of("?#"));
    auto scheme = path.find("://");
    auto slash = path.rfind('/');
    return slash != std::string_view::npos && slash > scheme + 2 && slash + 1 < path.size();
}

void check_pins(const Mapping& map, const Field& origin, const Artifact& artifact,
                YamlErrors& errors) {
    std::vector<const Field*> pins = present(map, {"sha256", "checksums", "trust"});
    if (origin.key == "url") {
        if (pins.empty()) {
            errors.add(map.node(), "artifact " + quote_value(artifact.name) +
                                       " downloads a url and needs a pin: 'sha256', "
                                       "'checksums' or 'trust: first-use'");
        }
        report_extra(pins, "a url artifact takes exactly one of sha256, checksums and trust",
                     errors);
        if (artifact.url && artifact.checksums && !ends_in_file_name(*artifact.url)) {
            errors.add(origin.value_at(errors),
                       "url " + quote_value(*artifact.url) +
                           " does not end in a file name to look up in the checksums file");
        }
        return;
    }
    for (const Field* pin : pins) {
        if (origin.key == "helm") {
            errors.add(pin->key_node, quote_value(pin->key) +
                                          " is not allowed with 'helm': a chart's pin is the "
                                          "digest in its repository's index");
        } else if (pin->key != "sha256") {
            errors.add(pin->key_node, quote_value(pin->key) +
                                          " is only for url artifacts; a 'path' artifact may "
                                          "carry a sha256 pin");
        }
    }
}

}  // namespace

std::optional<fs::path> read_local_path(const Field& field, const fs::path& folder,
                                        YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (text->empty() || text->find('\0') != std::string::npos) {
        errors.add(field.value_at(errors),
                   quote_value(field.key) + " must be a non-empty path without NUL bytes");
        return std::nullopt;
    }
    fs::path path = (folder / *text).lexically_normal();
    if (!path.has_filename() && path.has_relative_path())
        path = path.parent_path();
    return path;
}

void read_artifact_origin(const Mapping& map, const fs::path& folder, Artifact& artifact,
                          YamlErrors& errors) {
    if (const Field* field = map.find("path"))
        artifact.source = read_local_path(*field, folder, errors);
    if (const Field* field = map.find("url"))
        artifact.url = read_http_url(*field, errors);
    if (const Field* field = map.find("helm"))
        artifact.helm = read_helm(*field, errors);
    if (const Field* field = map.find("sha256"))
        artifact.sha256 = read_sha256(*field, errors);
    if (const Field* field = map.find("checksums"))
        artifact.checksums = read_http_url(*field, errors);
    if (const Field* field = map.find("trust"))
        artifact.trust_on_first_use = read_trust(*field, errors);

    if (!map.is_mapping())
        return;
    std::vector<const Field*> origins = present(map, {"path", "url", "helm"});
    if (origins.empty()) {
        errors.add(map.node(), "artifact needs one of 'path', 'url' or 'helm'");
        return;
    }
    report_extra(origins, "an artifact has exactly one of path, url and helm", errors);
    if (origins.size() == 1)
        check_pins(map, *origins.front(), artifact, errors);
}

}  // namespace bundle::spec
