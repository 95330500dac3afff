// Where an artifact comes from and how its content is pinned: the part of an artifact's mapping
// that image.h's prose rules (exactly one of path, url and helm; a url takes exactly one of
// sha256, checksums and `trust: first-use`; a helm chart takes none; a path may take sha256).
// Internal to the image parser.
#pragma once

#include <filesystem>
#include <optional>

#include "spec/image.h"
#include "spec/yaml_error.h"

namespace bundle::spec {

// A local path. A relative one is taken from the definition's folder, not the working
// directory, so that a definition names the same files whatever folder the builder runs in.
std::optional<std::filesystem::path> read_local_path(const Field& field,
                                                     const std::filesystem::path& folder,
                                                     YamlErrors& errors);

// Reads path/url/helm and sha256/checksums/trust of `map` into `artifact`, reporting every
// value and every combination that breaks the rules.
void read_artifact_origin(const Mapping& map, const std::filesystem::path& folder,
                          Artifact& artifact, YamlErrors& errors);

}  // namespace bundle::spec
