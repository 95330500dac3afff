#include "cli/fetch_flags.h"

#include "cli/process.h"

namespace bundle::cli {

void add_fetch_flags(CLI::App& command, FetchFlags& flags, const std::string& jobs_name) {
    command.add_option("--mirror", flags.mirror,
                       "Fetch everything from this internal mirror (http(s) URL or folder) instead of the "
                       "upstreams; `bundle mirror` writes one");
    command.add_option("--cache", flags.cache, "Download cache (default: $XDG_CACHE_HOME/bundle or ~/.cache/bundle)");
    command.add_option(jobs_name, flags.downloads, "Downloads at once")->check(CLI::Range(1u, 64u))->capture_default_str();
    command.add_option("--insecure-registry", flags.insecure_registries,
                       "Reach this registry host[:port] over plain HTTP (INSECURE; loopback registries always are)");
    command.add_flag("--json", flags.json, "Progress as one JSON object per line on stderr");
}

std::unique_ptr<fetch::Progress> make_fetch_progress(const FetchFlags& flags, bool quiet) {
    fetch::ProgressStyle style = quiet        ? fetch::ProgressStyle::quiet
                                 : flags.json ? fetch::ProgressStyle::json
                                              : fetch::detect_progress_style();
    return fetch::make_progress(style);
}

build::FetchSettings fetch_settings(const FetchFlags& flags, fetch::Progress* progress) {
    build::FetchSettings settings;
    settings.cache_root = flags.cache;
    settings.mirror = flags.mirror;
    settings.jobs = flags.downloads;
    settings.insecure_registries = flags.insecure_registries;
    settings.progress = progress;
    settings.cancel = &interrupted();
    return settings;
}

}  // namespace bundle::cli
