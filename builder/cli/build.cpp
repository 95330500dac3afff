#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "build/build.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/fetch_flags.h"
#include "cli/process.h"
#include "cli/progress.h"
#include "format/inspect.h"

namespace bundle::cli {
namespace {

struct BuildFlags {
    std::string image;
    std::string out = "dist";
    std::string key;
    bool locked = false;
    Common common;
    FetchFlags fetch;
};

// SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the creation time and every member's mtime.
Result<std::int64_t> creation_time() {
    const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
    if (epoch == nullptr) return static_cast<std::int64_t>(std::time(nullptr));
    char* end = nullptr;
    errno = 0;
    long long value = std::strtoll(epoch, &end, 10);
    if (errno != 0 || end == epoch || *end != '\0' || value < 0 || value > format::kMaxCreated)
        return Error{Code::usage, "SOURCE_DATE_EPOCH",
                     "must be a number of seconds (not milliseconds) from 0 to " + std::to_string(format::kMaxCreated)};
    return static_cast<std::int64_t>(value);
}

int run_build(const BuildFlags& flags) {
    auto created = creation_time();
    if (!created) return report(created.error());
    auto downloads = make_fetch_progress(flags.fetch, flags.common.quiet);
    std::atomic<std::uint64_t> total{0};
    build::BuildOptions options{flags.image, flags.out, flags.key,     *created, jobs_or_default(flags.common),
                                nullptr,     &total,    &interrupted(), flags.locked,
                                fetch_settings(flags.fetch, downloads.get())};
    // The hashing progress starts when the downloads are done: it reads `total`, set then.
    Progress progress("building", total, flags.common.quiet);
    options.progress = &progress.done();
    auto written = build::build_bundle(options);
    double seconds = progress.finish();
    if (!written) return report(written.error());
    std::cout << "wrote " << written->path << ": " << written->members << " members, "
              << format::human_size(written->size) << " in " << seconds << " s\n";
    return kExitOk;
}

}  // namespace

void add_build(CLI::App& app, Run& run) {
    auto flags = std::make_shared<BuildFlags>();
    auto* command = app.add_subcommand("build", "Build a signed bundle from an image definition");
    command->add_option("--image", flags->image, "Image definition (images/<name>.yaml)")->required();
    command->add_option("--out", flags->out, "Output folder; the bundle is <name>-<version>.bundle")
        ->capture_default_str();
    command->add_option("--key", flags->key, "Ed25519 signing key (from `bundle keygen`)")->required();
    command->add_flag("--locked", flags->locked,
                      "Use <name>.lock.yaml beside the definition and download nothing it does not name");
    add_common(*command, flags->common);
    add_fetch_flags(*command, flags->fetch, "--downloads");
    command->footer("\nArtifacts given by URL and container images are downloaded into the cache first\n"
                    "(see `bundle fetch --help`); without --locked their pins are resolved afresh.\n"
                    "The same inputs and SOURCE_DATE_EPOCH give the same bytes. The bundle appears\n"
                    "under its name only once complete. An interrupted build (Ctrl-C, SIGTERM)\n"
                    "removes its temporary file; one left by a killed build is removed by the next.");
    command->callback([&run, flags] { run = [flags] { return run_build(*flags); }; });
}

}  // namespace bundle::cli
