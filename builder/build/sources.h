// Turning an image definition into the list of bundle members: every artifact at its dest, and
// the payload folder under "payload/". The payload is walked without following links, and
// anything in it that is not a regular file or a directory is refused, naming it; file modes are
// normalised (0755 if the owner may execute, else 0644) so that the bundle does not depend on the
// umask of whoever checked the repository out.
#pragma once

#include <vector>

#include "core/error.h"
#include "format/writer.h"
#include "spec/image.h"

namespace bundle::build {

inline constexpr char kPayloadDir[] = "payload";

Result<std::vector<format::Source>> collect_sources(const spec::Image& image);

}  // namespace bundle::build
