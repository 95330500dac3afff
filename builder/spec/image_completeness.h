// The `completeness:` part of an image definition (see image.h): which artifacts the build opens
// to find the container images they deploy. Internal to the image parser.
#pragma once

#include <filesystem>
#include <vector>

#include "spec/image.h"
#include "spec/yaml_error.h"

namespace bundle::spec {

// The entries of the `completeness` field (nullptr or an empty value: none), in the order
// written, reporting an entry that names no artifact or two, an artifact that `artifacts` does
// not have, `values` on a manifests entry, and an artifact named twice. `folder` anchors
// `values`.
std::vector<CompletenessCheck> read_completeness(const Field* field,
                                                 const std::filesystem::path& folder,
                                                 const std::vector<Artifact>& artifacts,
                                                 YamlErrors& errors);

}  // namespace bundle::spec
