#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/process.h"
#include "cli/progress.h"
#include "format/extract.h"
#include "format/inspect.h"

namespace bundle::cli {
namespace {

struct ExtractFlags {
    std::string file;
    std::string to;
    std::string pubkey;
    bool replace = false;
    bool no_sync = false;
    Common common;
};

int run_extract(const ExtractFlags& flags) {
    auto bundle = format::open_bundle(flags.file, flags.pubkey);
    if (!bundle) return report(bundle.error());
    std::atomic<std::uint64_t> total{format::payload_size(bundle->index)};
    Progress progress("extracting", total, flags.common.quiet);
    Status status = format::extract_bundle(*bundle, flags.to,
                                           {jobs_or_default(flags.common), flags.replace, &progress.done(), !flags.no_sync, &interrupted()});
    double seconds = progress.finish();
    if (!status) return report(status.error());
    std::cout << "extracted " << flags.file << " to " << flags.to << ": " << bundle->index.members.size()
              << " members, " << format::human_size(total) << " in " << seconds << " s\n";
    return kExitOk;
}

}  // namespace

void add_extract(CLI::App& app, Run& run) {
    auto flags = std::make_shared<ExtractFlags>();
    auto* command = app.add_subcommand("extract", "Verify and unpack a bundle into a folder, atomically");
    command->add_option("file", flags->file, "The bundle")->required();
    command->add_option("--to", flags->to, "Target folder: missing or empty (or see --replace)")->required();
    command->add_option("--pubkey", flags->pubkey, "Ed25519 public key of the signer (PEM or base64)")->required();
    command->add_flag("--replace", flags->replace, "Swap an existing non-empty target for the new tree atomically");
    command->add_flag("--no-sync", flags->no_sync,
                      "Skip the flush to disk before the rename: faster, but a crash soon after "
                      "may leave incomplete files under the target (scratch use only)");
    add_common(*command, flags->common);
    command->footer("\nEverything is written to a staging folder beside the target, checked chunk by\n"
                    "chunk, synced, and renamed into place only when all of it matched. Only files\n"
                    "and folders are created, never through a link; setuid/setgid bits are dropped.\n"
                    "On any failure the target is left as it was.");
    command->callback([&run, flags] { run = [flags] { return run_extract(*flags); }; });
}

}  // namespace bundle::cli
