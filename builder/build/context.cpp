#include "build/context.h"

namespace bundle::build {

Result<std::string> FetchContext::map(const std::string& upstream) const {
    if (!mirror) return upstream;
    return mirror->map_url(upstream);
}

Result<FetchContext> open_fetch_context(const FetchSettings& settings) {
    auto cache = fetch::Cache::open(settings.cache_root.empty() ? fetch::Cache::default_root() : settings.cache_root);
    if (!cache) return std::move(cache).error();
    std::optional<fetch::Mirror> mirror;
    if (!settings.mirror.empty()) {
        auto parsed = fetch::Mirror::parse(settings.mirror);
        if (!parsed) return std::move(parsed).error();
        mirror = std::move(*parsed);
    }
    fetch::DownloadOptions download;
    download.jobs = settings.jobs;
    download.http.insecure_hosts = settings.insecure_registries;
    download.progress = settings.progress;
    download.cancel = settings.cancel;

    oci::RegistryOptions registry;
    registry.http = download.http;
    registry.mirror = mirror;
    registry.progress = settings.progress;
    registry.cancel = settings.cancel;
    registry.jobs = settings.jobs;
    return FetchContext{std::move(*cache), std::move(mirror), std::move(download), std::move(registry)};
}

}  // namespace bundle::build
