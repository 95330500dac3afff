// Turning an image definition into the list of bundle members: every artifact at its dest (a
// local file, or a downloaded one from the cache, pinned again by its locked digest so that the
// writer re-checks what it reads), each image group's archive at images/<group>.oci.tar, and
// the payload folder under "payload/". The payload is walked without following links, and
// anything in it that is not a regular file or a directory is refused, naming it; file modes are
// normalised (0755 if the owner may execute, else 0644) so that the bundle does not depend on the
// umask of whoever checked the repository out.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/writer.h"
#include "build/materials.h"
#include "spec/image.h"
#include "spec/lock.h"

namespace bundle::build {

inline constexpr char kPayloadDir[] = "payload";

struct Fetched {
    const Materials* materials = nullptr;  // downloaded artifacts; null when there are none
    const spec::Lock* lock = nullptr;
    std::map<std::string, std::filesystem::path> archives;  // group name -> its .oci.tar
};

// "images/<group>.oci.tar".
std::string image_archive_member(const std::string& group);

Result<std::vector<format::Source>> collect_sources(const spec::Image& image, const Fetched& fetched = {});

}  // namespace bundle::build
