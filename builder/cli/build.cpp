#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "build/build.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/fetch_flags.h"
#include "cli/process.h"
#include "cli/progress.h"
#include "format/inspect.h"
#include "render/bundle_ref.h"
#include "render/write.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::cli {
namespace {

struct BuildFlags {
    std::string image;
    std::string out = "dist";
    std::string key;
    std::string cluster;
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

// The cluster and every secret are read before the build starts, so that a missing key is
// found in a second rather than after the downloads.
struct ClusterInputs {
    spec::Cluster cluster;
    spec::Secrets secrets;
};

Result<std::optional<ClusterInputs>> load_cluster_inputs(const BuildFlags& flags) {
    if (flags.cluster.empty()) return std::optional<ClusterInputs>{};
    auto cluster = spec::load_cluster(flags.cluster);
    if (!cluster) return std::move(cluster).error();
    auto image = spec::load_image(flags.image);
    if (!image) return std::move(image).error();
    BUNDLE_TRY(spec::check_not_bundled(*cluster, *image));
    // Said before the build rather than after it: user-data needs the node agent's digest.
    if (std::none_of(image->artifacts.begin(), image->artifacts.end(),
                     [](const spec::Artifact& a) { return a.dest == render::kAgentMember; }))
        return Error{Code::invalid_input, flags.image,
                     std::string("has no artifact with dest ") + render::kAgentMember +
                         " (the node agent), which every node's user-data starts"};
    auto secrets = spec::load_secrets(*cluster);
    if (!secrets) return std::move(secrets).error();
    return std::optional<ClusterInputs>{ClusterInputs{std::move(*cluster), std::move(*secrets)}};
}

int write_cluster_user_data(const ClusterInputs& inputs, const std::string& bundle_path, const BuildFlags& flags) {
    auto bundle = render::describe_bundle(bundle_path, inputs.secrets.signing_key.public_key(),
                                          jobs_or_default(flags.common), render::Check::signature_only);
    if (!bundle) return report(bundle.error());
    std::string out_dir = (std::filesystem::path(flags.out) / "cloud-init").string();
    auto written = render::write_user_data(inputs.cluster, inputs.secrets, *bundle, out_dir);
    if (!written) return report(written.error());
    for (const auto& file : *written)
        std::cout << "wrote " << file.path << ": " << file.size << " bytes of " << render::kMaxUserDataBytes
                  << (file.compressed.empty() ? "" : " (some files gzip-compressed)") << " (secret)\n";
    return kExitOk;
}

int run_build(const BuildFlags& flags) {
    auto created = creation_time();
    if (!created) return report(created.error());
    auto inputs = load_cluster_inputs(flags);
    if (!inputs) return report(inputs.error());
    std::string key = flags.key;
    if (key.empty() && *inputs) key = ((*inputs)->cluster.secrets / "bundle.key").string();
    if (key.empty()) return report(Error{Code::usage, "--key", "give --key (a signing key) or --cluster (its secrets hold one)"});
    auto downloads = make_fetch_progress(flags.fetch, flags.common.quiet);
    std::atomic<std::uint64_t> total{0};
    build::BuildOptions options{flags.image, flags.out, key,     *created, jobs_or_default(flags.common),
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
    if (*inputs) return write_cluster_user_data(**inputs, written->path, flags);
    return kExitOk;
}

}  // namespace

void add_build(CLI::App& app, Run& run) {
    auto flags = std::make_shared<BuildFlags>();
    auto* command = app.add_subcommand("build", "Build a signed bundle from an image definition");
    command->add_option("--image", flags->image, "Image definition (images/<name>.yaml)")->required();
    command->add_option("--out", flags->out, "Output folder; the bundle is <name>-<version>.bundle")
        ->capture_default_str();
    command->add_option("--key", flags->key,
                        "Ed25519 signing key (from `bundle keygen`; default with --cluster: its secrets/bundle.key)");
    command->add_option("--cluster", flags->cluster,
                        "Cluster definition: also write every node's user-data to <out>/cloud-init/<node>.yaml");
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
