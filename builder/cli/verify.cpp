#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/process.h"
#include "cli/progress.h"
#include "format/inspect.h"
#include "format/verify.h"

namespace bundle::cli {
namespace {

struct VerifyFlags {
    std::string file;
    std::string pubkey;
    Common common;
};

int run_verify(const VerifyFlags& flags) {
    auto bundle = format::open_bundle(flags.file, flags.pubkey);
    if (!bundle) return report(bundle.error());
    std::atomic<std::uint64_t> total{format::payload_size(bundle->index)};
    Progress progress("verifying", total, flags.common.quiet);
    Status status = format::verify_members(*bundle, {jobs_or_default(flags.common), &progress.done(), &interrupted()});
    double seconds = progress.finish();
    if (!status) return report(status.error());
    std::cout << "OK " << flags.file << ": " << bundle->index.name << " version " << bundle->index.version
              << ", " << bundle->index.members.size() << " members, " << format::human_size(total)
              << " verified in " << seconds << " s\n";
    return kExitOk;
}

}  // namespace

void add_verify(CLI::App& app, Run& run) {
    auto flags = std::make_shared<VerifyFlags>();
    auto* command = app.add_subcommand("verify", "Check a bundle's signature and every byte of it");
    command->add_option("file", flags->file, "The bundle")->required();
    command->add_option("--pubkey", flags->pubkey, "Ed25519 public key of the signer (PEM or base64)")->required();
    add_common(*command, flags->common);
    command->footer("\nThe signature is checked before any content is read; then every chunk of every\n"
                    "member is hashed on every core. Exit status 0 means every byte matched.");
    command->callback([&run, flags] { run = [flags] { return run_verify(*flags); }; });
}

}  // namespace bundle::cli
