// The pipeline behind `bundle build`: image definition -> pins (the lock, or resolved afresh) ->
// downloads into the cache -> one OCI archive per image group -> members -> signed bundle in the
// output folder, named <name>-<version>.bundle.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "build/context.h"
#include "core/error.h"
#include "format/writer.h"

namespace bundle::build {

struct BuildOptions {
    std::string image;     // image definition file
    std::string out_dir;   // created if missing
    std::string key;       // Ed25519 private key (PEM, mode 0600)
    std::int64_t created = 0;  // from SOURCE_DATE_EPOCH or the clock, chosen by the caller
    unsigned jobs = 1;         // hashing threads
    std::atomic<std::uint64_t>* progress = nullptr;
    std::atomic<std::uint64_t>* total = nullptr;  // set once the payload size is known
    const std::atomic<bool>* cancel = nullptr;
    bool locked = false;    // use images/<name>.lock.yaml and nothing it does not name
    FetchSettings fetch;    // cache, mirror, downloads (used only when the image downloads anything)
};

Result<format::Written> build_bundle(const BuildOptions& options);

}  // namespace bundle::build
