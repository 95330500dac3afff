#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sign/ed25519.h"

namespace bundle::cli {

void add_keygen(CLI::App& app, Run& run) {
    auto out = std::make_shared<std::string>();
    auto* command = app.add_subcommand("keygen", "Create an Ed25519 key pair for signing bundles");
    command->add_option("--out", *out, "Folder for bundle.key (private, 0600) and bundle.pub")->required();
    command->footer("\nNever overwrites an existing key. Keep bundle.key secret (a CI secret store);\n"
                    "bundle.pub goes to whoever verifies bundles.");
    command->callback([&run, out] {
        run = [out] {
            auto paths = sign::write_new_key_pair(*out);
            if (!paths) return report(paths.error());
            std::cout << "private key: " << paths->private_key << " (keep it secret)\n"
                      << "public key:  " << paths->public_key << "\n";
            return int{kExitOk};
        };
    });
}

}  // namespace bundle::cli
