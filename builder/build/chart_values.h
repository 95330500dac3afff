// The values a Helm chart is installed with, as Helm computes them: the chart's own values.yaml,
// read from the chart archive (a .tgz whose single top folder is the chart: <chart>/values.yaml;
// the values of subcharts under <chart>/charts/ are not the chart's), with the installer's values
// file merged over it. Merging is Helm's: two mappings merge key by key, recursively; anything
// else (a scalar, a sequence, null) given by the installer replaces the chart's value whole.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"

namespace bundle::build {

// `label` names the chart in messages ("chart artifact 'cilium'"). A file that is not a gzip or
// plain tar archive, a chart without a top-level values.yaml or with several top folders that
// have one, a values.yaml larger than 8 MiB, and YAML that does not parse or is not a mapping
// (in the chart or in `ours`) are Code::invalid_input naming the file; a file that cannot be read
// is Code::io. yaml-cpp's exceptions never escape.
Result<YAML::Node> chart_values(const std::filesystem::path& chart,
                                const std::optional<std::filesystem::path>& ours,
                                const std::string& label);

// `over` merged over `base` as described above; neither is modified.
YAML::Node merge_values(const YAML::Node& base, const YAML::Node& over);

}  // namespace bundle::build
