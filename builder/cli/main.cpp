// bundle: builds signed, self-contained offline installer bundles for a 3-node K3s cluster, and
// checks and unpacks them. See README.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/process.h"
#include "core/parallel.h"

namespace bundle::cli {

void add_common(CLI::App& command, Common& common) {
    command.add_option("-j,--jobs", common.jobs, "Worker threads (default: one per core)")
        ->check(CLI::Range(1u, 1024u));
    command.add_flag("-q,--quiet", common.quiet, "No progress output");
}

unsigned jobs_or_default(const Common& common) { return common.jobs > 0 ? common.jobs : default_jobs(); }

}  // namespace bundle::cli

int main(int argc, char** argv) {
    using namespace bundle::cli;
    CLI::App app{"bundle " BUNDLE_VERSION
                 ": signed, self-contained offline installer bundles for a 3-node K3s cluster.\n"
                 "Hashing, verifying and extracting run on every core.",
                 "bundle"};
    app.require_subcommand(1);
    app.set_version_flag("--version", BUNDLE_VERSION);
    app.footer(std::string("\nTypical use:\n"
                           "  bundle keygen --out secrets\n"
                           "  bundle lock --image images/demo.yaml\n"
                           "  bundle build --image images/demo.yaml --locked --out dist --key secrets/bundle.key\n"
                           "  bundle verify dist/demo-1.bundle --pubkey secrets/bundle.pub\n"
                           "  bundle extract dist/demo-1.bundle --to /opt/demo --pubkey secrets/bundle.pub\n\n") +
               kExitCodeHelp);

    Run run;
    add_init(app, run);
    add_keygen(app, run);
    add_lock(app, run);
    add_fetch(app, run);
    add_mirror(app, run);
    add_build(app, run);
    add_cloud_init(app, run);
    add_image(app, run);
    add_push(app, run);
    add_verify(app, run);
    add_extract(app, run);
    add_inspect(app, run);
    add_node(app, run);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int status = app.exit(e);
        return status == 0 ? kExitOk : kExitUsage;
    }
    install_interrupt_handlers();
    raise_open_file_limit();
    return run ? run() : kExitUsage;
}
