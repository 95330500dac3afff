// Flags of every command that downloads (lock, fetch, build, mirror): where the cache is, the
// mirror that stands in for the internet, how many downloads run at once, which registries may
// be reached over plain HTTP, and how progress is shown.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "build/context.h"
#include "fetch/progress.h"

namespace bundle::cli {

struct FetchFlags {
    std::string cache;
    std::string mirror;
    unsigned downloads = 8;
    std::vector<std::string> insecure_registries;
    bool json = false;
};

// `jobs_name` is "--jobs" for commands that only download, "--downloads" for build (whose
// --jobs counts hashing threads).
void add_fetch_flags(CLI::App& command, FetchFlags& flags, const std::string& jobs_name);

// The progress reporter for the flags (--quiet wins over --json) and the settings that use it.
std::unique_ptr<fetch::Progress> make_fetch_progress(const FetchFlags& flags, bool quiet);
build::FetchSettings fetch_settings(const FetchFlags& flags, fetch::Progress* progress);

}  // namespace bundle::cli
