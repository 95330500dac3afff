// Everything a locked image definition downloads, brought into the cache: the artifacts by their
// locked URL (through the mirror, if any), digest and size, and every manifest and blob of the
// locked container images. Nothing outside the lock is fetched.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "build/context.h"
#include "core/error.h"
#include "spec/image.h"
#include "spec/lock.h"

namespace bundle::build {

struct Materials {
    std::map<std::string, std::filesystem::path> artifacts;  // artifact name -> file in the cache
};

Result<Materials> fetch_materials(const spec::Image& image, const spec::Lock& lock, const FetchContext& context);

// The lock to build from: with `locked`, the one beside the definition, which must exist and
// agree with it; without, the pins resolved afresh (resolve_pins), nothing written.
Result<spec::Lock> lock_for_build(const spec::Image& image, bool locked, const FetchContext& context);

// True when the definition downloads anything (a url or helm artifact, or an image).
bool needs_fetching(const spec::Image& image);

}  // namespace bundle::build
