// The `images:` part of an image definition (see image.h): group name -> references. Internal
// to the image parser.
#pragma once

#include <string>
#include <vector>

#include "spec/image.h"
#include "spec/yaml_error.h"

namespace bundle::spec {

// The groups of the `images` field (nullptr or an empty value: none), in the order written,
// reporting bad group names, duplicate groups, empty groups, invalid references and a reference
// given twice in one group (compared after normalisation: "nginx:1" is
// "docker.io/library/nginx:1").
std::vector<ImageGroup> read_image_groups(const Field* field, YamlErrors& errors);

// "images/<group>.oci.tar": the member the build writes for a group.
std::string group_archive(const std::string& group);

}  // namespace bundle::spec
