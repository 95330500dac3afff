// `bundle mirror --image F --to DIR`: writes, from the cache, the folder that `--mirror DIR` (or
// a static web server publishing it) reads, in the layout of fetch/mirror.h: every locked
// artifact at its mapped path, and for every locked image its manifests (by tag and by digest)
// and blobs under v2/<registry>/<repository>/. Only what the lock names is written, so a locked
// build or fetch through the mirror finds everything; everything must already be in the cache
// (`bundle fetch --image F --locked`).
//
// Every file is written through a temporary and a rename, so a reader never sees half a file;
// no existing symbolic link below DIR is followed.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/error.h"
#include "fetch/cache.h"
#include "spec/lock.h"

namespace bundle::build {

struct MirrorWritten {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
};

Result<MirrorWritten> write_mirror(const spec::Lock& lock, const fetch::Cache& cache, const std::filesystem::path& dir);

}  // namespace bundle::build
