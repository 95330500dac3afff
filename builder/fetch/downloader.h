// Parallel, resumable downloads into the cache, on libcurl's multi interface: one thread drives
// at most `jobs` transfers at once (a fixed default of 8, since a download waits on the network,
// not on the cores), HTTP/2 multiplexed where the server offers it.
//
// A download is trusted only by its digest. Every byte is hashed as it arrives; a resumed
// download first re-hashes the bytes already in its .part file. The body is cut as soon as it
// exceeds the size the pin declares (or max_size when the size is unknown), so an endless or
// oversized answer cannot fill the disk. When the last byte is in, the digest is compared with
// the pin, and only then is the file renamed into the cache.
//
// Interrupted downloads are resumed with a Range request from the end of the .part file: a 206
// continues it, a 200 (a server without ranges) restarts it from zero, a 416 means the part is
// complete or wrong and it is checked or restarted. A resumed file whose final digest does not
// match is discarded and downloaded once more from the start before the download fails.
// Failures are retried (connection errors, timeouts, 429 and 5xx; Retry-After is honoured) with
// exponential backoff and jitter, up to HttpOptions::max_attempts.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "fetch/cache.h"
#include "fetch/http.h"
#include "fetch/progress.h"
#include "hash/sha256.h"

namespace bundle::fetch {

struct Download {
    std::string url;                   // http(s):// or file://, already mapped through a mirror
    std::vector<std::string> headers;  // e.g. Accept, Authorization (never logged)
    // The pin. Without one (trust on first use, which the image definition must ask for by
    // name), the digest of what arrived is returned and recorded by the caller.
    std::optional<hash::Sha256Digest> sha256;
    std::optional<std::uint64_t> size;      // exact size when known (from a lock or manifest)
    std::uint64_t max_size = 16ull << 30;   // limit when size is unknown
    std::string label;                      // what progress shows, e.g. the artifact's name
};

struct Downloaded {
    hash::Sha256Digest sha256;
    std::uint64_t size = 0;
    std::filesystem::path path;  // inside the cache
    bool from_cache = false;     // true when no byte was transferred
};

struct DownloadOptions {
    unsigned jobs = 8;
    HttpOptions http;
    Progress* progress = nullptr;               // may be null
    const std::atomic<bool>* cancel = nullptr;  // set by SIGINT/SIGTERM; partials are kept
};

// Fetches every download not already in the cache, in parallel. The result has one entry per
// download, in order. On failure the first error is returned after the transfers in flight
// were stopped; finished downloads stay in the cache and partial ones stay resumable.
Result<std::vector<Downloaded>> download_all(const std::vector<Download>& downloads, const Cache& cache,
                                             const DownloadOptions& options);

}  // namespace bundle::fetch
