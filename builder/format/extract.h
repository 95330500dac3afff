// Verifying and extracting a bundle in one pass, on every core.
//
// Everything is written into a fresh staging directory beside the target (".<target>.staging-*"),
// through directory descriptors that never follow a link: no chdir, no lock shared between the
// workers. Only directories and regular files are created, each with O_EXCL, at the sizes the
// signed index gives, with permission bits only (no setuid, setgid or sticky bit). Each chunk is checked against
// its digest before it is written. When every byte has checked out the staging tree is synced
// and renamed into place (atomically exchanged with an existing target when replacing it). On any
// failure the staging tree is removed and the target is left exactly as it was.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "format/reader.h"

namespace bundle::format {

struct ExtractOptions {
    unsigned jobs = 1;
    // Replace a non-empty existing target (atomically). Without it only a missing or empty
    // directory is accepted as the target.
    bool replace = false;
    std::atomic<std::uint64_t>* progress = nullptr;  // payload bytes written so far
    // Flush everything to disk before the rename, so that a crash never leaves a target whose
    // files are incomplete. Off only for scratch extractions (benchmarks, throwaway folders).
    bool sync = true;
    const std::atomic<bool>* cancel = nullptr;  // set (by a signal handler) to stop early
};

Status extract_bundle(const OpenBundle& bundle, const std::string& target, const ExtractOptions& options);

}  // namespace bundle::format
