#include "spec/image.h"

#include <charconv>
#include <map>
#include <utility>

#include "format/member_path.h"
#include "spec/artifact_origin.h"
#include "spec/image_completeness.h"
#include "spec/image_groups.h"
#include "spec/name.h"
#include "spec/small_file.h"

namespace bundle::spec {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t max_definition_size = 1024 * 1024;
constexpr std::size_t max_image_name = 63;

std::optional<std::string> read_name(const Field& field, std::size_t max_length,
                                     YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (!is_name(*text)) {
        errors.add(field.value_at(errors), quote_value(field.key) +
                                               " must match [a-z0-9][a-z0-9._-]*, found " +
                                               quote_value(*text));
        return std::nullopt;
    }
    if (text->size() > max_length) {
        errors.add(field.value_at(errors), quote_value(field.key) + " is longer than " +
                                               std::to_string(max_length) + " characters");
        return std::nullopt;
    }
    return text;
}

// A plain integer only: "1" in quotes is a string in YAML, and 0 is not a version a node
// could ever refuse.
std::optional<std::uint64_t> read_version(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (field.value.Tag() == "!") {
        errors.add(field.value_at(errors),
                   "version must be an integer, found the string " + quote_value(*text));
        return std::nullopt;
    }
    std::uint64_t version = 0;
    const char* end = text->data() + text->size();
    auto [ptr, ec] = std::from_chars(text->data(), end, version);
    bool digits_only = !text->empty() && text->front() != '+' && ptr == end;
    if (ec == std::errc::result_out_of_range) {
        errors.add(field.value_at(errors), "version " + quote_value(*text) + " is too large");
    } else if (ec != std::errc() || !digits_only) {
        errors.add(field.value_at(errors),
                   "version must be a positive integer, found " + quote_value(*text));
    } else if (version == 0) {
        errors.add(field.value_at(errors), "version must be at least 1");
    } else {
        return version;
    }
    return std::nullopt;
}

std::optional<std::string> read_arch(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (*text != "amd64" && *text != "arm64") {
        errors.add(field.value_at(errors),
                   "arch must be 'amd64' or 'arm64', found " + quote_value(*text));
        return std::nullopt;
    }
    return text;
}

// Octal, quoted or not; setuid, setgid and sticky bits are refused because an offline bundle
// has no business installing privileged files.
std::optional<std::uint32_t> read_mode(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    std::uint32_t mode = 0;
    bool octal = !text->empty() && text->size() <= 4;
    for (char c : *text) {
        octal = octal && c >= '0' && c <= '7';
        if (octal)
            mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
    }
    if (!octal) {
        errors.add(field.value_at(errors),
                   "mode must be an octal number such as \"0644\", found " + quote_value(*text));
        return std::nullopt;
    }
    if (mode > 0777) {
        errors.add(field.value_at(errors), "mode " + quote_value(*text) +
                                               " sets setuid, setgid or sticky bits; at most "
                                               "0777 is allowed");
        return std::nullopt;
    }
    return mode;
}

std::optional<std::string> read_dest(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    // The extractor's own rule, so that a definition that passes here gives a bundle that
    // extracts; its message names the broken part, the dest is shown escaped by quote_value.
    if (auto safe = format::check_member_path(*text); !safe) {
        errors.add(field.value_at(errors), "dest " + quote_value(*text) +
                                               " is not a safe path inside the bundle (" +
                                               safe.error().message + ")");
        return std::nullopt;
    }
    return text;
}

// Stores a value that was read successfully; one that was not has already been reported.
template <class T, class U>
void assign(std::optional<T> value, U& out) {
    if (value)
        out = std::move(*value);
}

// An artifact with the positions its cross-checks (unique names, unique dests) report at.
struct ParsedArtifact {
    Artifact artifact;
    std::optional<Location> name_at;
    std::optional<Location> dest_at;
};

ParsedArtifact read_artifact(const YAML::Node& node, const fs::path& folder, YamlErrors& errors) {
    ParsedArtifact parsed;
    Artifact& artifact = parsed.artifact;
    artifact.where = errors.at(node);
    Mapping map = Mapping::read(
        node, "artifact",
        {"name", "path", "url", "helm", "dest", "mode", "sha256", "checksums", "trust"}, errors);
    if (const Field* field = map.require("name", errors)) {
        assign(read_name(*field, std::string::npos, errors), artifact.name);
        if (!artifact.name.empty())
            parsed.name_at = field->value_at(errors);
    }
    if (const Field* field = map.require("dest", errors)) {
        assign(read_dest(*field, errors), artifact.dest);
        if (!artifact.dest.empty())
            parsed.dest_at = field->value_at(errors);
    }
    if (const Field* field = map.find("mode"))
        assign(read_mode(*field, errors), artifact.mode);
    read_artifact_origin(map, folder, artifact, errors);
    return parsed;
}

void check_unique_names(const std::vector<ParsedArtifact>& artifacts, YamlErrors& errors) {
    std::map<std::string, Location, std::less<>> seen;
    for (const ParsedArtifact& parsed : artifacts) {
        if (!parsed.name_at)
            continue;
        auto [it, inserted] = seen.emplace(parsed.artifact.name, *parsed.name_at);
        if (!inserted) {
            errors.add(*parsed.name_at, "duplicate artifact name " +
                                            quote_value(parsed.artifact.name) + " (first at line " +
                                            std::to_string(it->second.line) + ")");
        }
    }
}

using DestsSeen = std::map<std::string, Location, std::less<>>;

// Why `dest` cannot sit beside the dests already seen, or nullopt when it can: the bundle cannot
// hold the same member twice, nor a file "a" and a file "a/b" at once.
std::optional<std::string> dest_conflict(const DestsSeen& seen, const std::string& dest) {
    auto at_line = [](DestsSeen::const_iterator it) {
        return " (line " + std::to_string(it->second.line) + ")";
    };
    if (auto it = seen.find(dest); it != seen.end()) {
        return "duplicate dest " + quote_value(dest) + " (first at line " +
               std::to_string(it->second.line) + ")";
    }
    for (auto slash = dest.find('/'); slash != std::string::npos;
         slash = dest.find('/', slash + 1)) {
        if (auto it = seen.find(std::string_view(dest).substr(0, slash)); it != seen.end())
            return "dest " + quote_value(dest) + " is inside the file " + quote_value(it->first) +
                   at_line(it);
    }
    const std::string folder = dest + "/";
    if (auto it = seen.lower_bound(folder); it != seen.end() && it->first.starts_with(folder))
        return "dest " + quote_value(dest) + " is a folder of the file " + quote_value(it->first) +
               at_line(it);
    return std::nullopt;
}

void check_unique_dests(const std::vector<ParsedArtifact>& artifacts, YamlErrors& errors) {
    DestsSeen seen;
    for (const ParsedArtifact& parsed : artifacts) {
        if (!parsed.dest_at)
            continue;
        if (auto conflict = dest_conflict(seen, parsed.artifact.dest)) {
            errors.add(*parsed.dest_at, std::move(*conflict));
            continue;
        }
        seen.emplace(parsed.artifact.dest, *parsed.dest_at);
    }
}

// Why `dest` collides with the archive the build writes for one of `groups`, or nullopt.
std::optional<std::string> archive_conflict(const std::string& dest,
                                            const std::vector<ImageGroup>& groups) {
    for (const ImageGroup& group : groups) {
        const std::string archive = group_archive(group.name);
        const char* relation = nullptr;
        if (dest == archive)
            relation = " is ";
        else if (dest.starts_with(archive + "/"))
            relation = " is inside ";
        else if (archive.starts_with(dest + "/"))
            relation = " is a folder of ";
        if (relation != nullptr)
            return "dest " + quote_value(dest) + relation + "the archive " + quote_value(archive) +
                   " that the build writes for image group " + quote_value(group.name) + " (line " +
                   std::to_string(group.where.line) + ")";
    }
    return std::nullopt;
}

void check_group_archives(std::vector<ParsedArtifact>& artifacts,
                          const std::vector<ImageGroup>& groups, YamlErrors& errors) {
    for (ParsedArtifact& parsed : artifacts) {
        if (!parsed.dest_at)
            continue;
        if (auto conflict = archive_conflict(parsed.artifact.dest, groups)) {
            errors.add(*parsed.dest_at, std::move(*conflict));
            parsed.dest_at.reset();  // reported once, not again as a clash with other dests
        }
    }
}

std::vector<Artifact> read_artifacts(const Field* field, const fs::path& folder,
                                     const std::vector<ImageGroup>& groups, YamlErrors& errors) {
    if (field == nullptr || field->value.IsNull())
        return {};
    if (!field->value.IsSequence()) {
        errors.add(field->value_at(errors),
                   "artifacts must be a sequence, found " + std::string(kind_of(field->value)));
        return {};
    }
    std::vector<ParsedArtifact> parsed;
    for (const YAML::Node& item : field->value)
        parsed.push_back(read_artifact(item, folder, errors));
    check_unique_names(parsed, errors);
    check_group_archives(parsed, groups, errors);
    check_unique_dests(parsed, errors);
    std::vector<Artifact> artifacts;
    for (ParsedArtifact& item : parsed) artifacts.push_back(std::move(item.artifact));
    return artifacts;
}

void expect_exactly(const Mapping& top, std::string_view key, std::string_view expected,
                    YamlErrors& errors) {
    const Field* field = top.require(key, errors);
    if (field == nullptr)
        return;
    auto text = scalar_value(*field, errors);
    if (text && *text != expected) {
        errors.add(field->value_at(errors), std::string(key) + " must be " + quote_value(expected) +
                                                ", found " + quote_value(*text));
    }
}

Image read_image(const YAML::Node& root, const fs::path& file, YamlErrors& errors) {
    Image image;
    image.file = file;
    Mapping top = Mapping::read(
        root, "image",
        {"apiVersion", "kind", "name", "version", "arch", "artifacts", "images", "payload",
         "completeness"},
        errors);
    if (!top.is_mapping())
        return image;
    expect_exactly(top, "apiVersion", "bundle/v1", errors);
    expect_exactly(top, "kind", "Image", errors);
    if (const Field* field = top.require("name", errors))
        assign(read_name(*field, max_image_name, errors), image.name);
    if (const Field* field = top.require("version", errors))
        assign(read_version(*field, errors), image.version);
    if (const Field* field = top.require("arch", errors))
        assign(read_arch(*field, errors), image.arch);
    const fs::path folder = file.parent_path();
    image.images = read_image_groups(top.find("images"), errors);
    image.artifacts = read_artifacts(top.find("artifacts"), folder, image.images, errors);
    if (const Field* field = top.find("payload"))
        image.payload = read_local_path(*field, folder, errors);
    image.completeness =
        read_completeness(top.find("completeness"), folder, image.artifacts, errors);
    return image;
}

}  // namespace

Result<Image> parse_image(std::string_view yaml_text, const fs::path& file) {
    return parse_document<Image>(yaml_text, file.string(), [&](const YAML::Node& root, YamlErrors& errors) {
        return read_image(root, file, errors);
    });
}

Result<Image> load_image(const fs::path& file) {
    auto text = read_small_file(file, max_definition_size, "image definition", "1 MiB");
    if (!text)
        return std::move(text).error();
    return parse_image(*text, file);
}

}  // namespace bundle::spec
