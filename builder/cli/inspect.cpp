#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "format/inspect.h"

namespace bundle::cli {
namespace {

struct InspectFlags {
    std::string file;
    std::string pubkey;
    bool json = false;
};

int run_inspect(const InspectFlags& flags) {
    std::optional<sign::PublicKey> key;
    if (!flags.pubkey.empty()) {
        auto loaded = sign::load_public_key(flags.pubkey);
        if (!loaded) return report(loaded.error());
        key = *loaded;
    }
    auto bundle = format::open_bundle(flags.file, key ? &*key : nullptr);
    if (!bundle) return report(bundle.error());
    if (flags.json) std::cout << format::describe_json(*bundle).dump(2) << "\n";
    else std::cout << format::describe_text(*bundle);
    return kExitOk;
}

}  // namespace

void add_inspect(CLI::App& app, Run& run) {
    auto flags = std::make_shared<InspectFlags>();
    auto* command = app.add_subcommand("inspect", "Show a bundle's name, version, members, sizes and digests");
    command->add_option("file", flags->file, "The bundle")->required();
    command->add_option("--pubkey", flags->pubkey, "Also check the index signature with this key");
    command->add_flag("--json", flags->json, "Machine-readable output");
    command->footer("\nReads only the index; `bundle verify` checks the content.");
    command->callback([&run, flags] { run = [flags] { return run_inspect(*flags); }; });
}

}  // namespace bundle::cli
