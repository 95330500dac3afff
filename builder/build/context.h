// Where a build gets what it downloads: the cache, the mirror that stands in for every upstream,
// and the settings of the downloader and the registry client, opened once per command and passed
// to the steps that fetch (lock.h, materials.h).
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "fetch/cache.h"
#include "fetch/downloader.h"
#include "fetch/mirror.h"
#include "fetch/progress.h"
#include "oci/registry.h"

namespace bundle::build {

struct FetchSettings {
    std::filesystem::path cache_root;  // empty: fetch::Cache::default_root()
    std::string mirror;                // --mirror URL|DIR; empty: the upstreams themselves
    unsigned jobs = 8;                 // concurrent downloads
    std::vector<std::string> insecure_registries;
    fetch::Progress* progress = nullptr;
    const std::atomic<bool>* cancel = nullptr;
};

struct FetchContext {
    fetch::Cache cache;
    std::optional<fetch::Mirror> mirror;
    fetch::DownloadOptions download;
    oci::RegistryOptions registry;

    // The URL to ask for `upstream`: itself, or its place on the mirror.
    Result<std::string> map(const std::string& upstream) const;
};

Result<FetchContext> open_fetch_context(const FetchSettings& settings);

}  // namespace bundle::build
