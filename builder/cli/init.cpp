#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "core/atomic_file.h"
#include "render/embedded.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::cli {
namespace {

struct InitFlags {
    std::string dir = ".";
    std::string add_node;
};

int run_init(const InitFlags& flags) {
    std::error_code ec;
    std::filesystem::create_directories(flags.dir, ec);
    if (ec) return report(Error{Code::io, flags.dir, "cannot create the folder: " + ec.message()});
    std::string file = (std::filesystem::path(flags.dir) / "cluster.yaml").string();
    bool fresh = std::filesystem::symlink_status(file, ec).type() == std::filesystem::file_type::not_found;
    if (fresh && !flags.add_node.empty())
        return report(Error{Code::usage, file, "does not exist: run `bundle init` first, then --add-node"});
    if (fresh) {
        Status written = write_file_atomically(file, render::cluster_example(), 0644, Replace::forbidden);
        if (!written) return report(written.error());
        std::cout << "wrote " << file << " (an example: edit the nodes, keys and sources)\n";
    }
    auto cluster = spec::load_cluster(file);
    if (!cluster) return report(cluster.error());
    std::optional<std::string> only;
    if (!flags.add_node.empty()) only = flags.add_node;
    auto created = spec::create_missing_secrets(*cluster, only);
    if (!created) return report(created.error());
    for (const auto& path : created->created) std::cout << "created " << path << "\n";
    for (const auto& path : created->kept) std::cout << "kept    " << path << " (exists)\n";
    if (cluster->gitops && cluster->gitops->deploy_key)
        std::cout << "note: gitops.deploy_key is set; put the repository's SSH deploy key in "
                  << (cluster->secrets / "gitops-deploy-key").string() << " (mode 0600)\n";
    return kExitOk;
}

}  // namespace

void add_init(CLI::App& app, Run& run) {
    auto flags = std::make_shared<InitFlags>();
    auto* command = app.add_subcommand("init", "Scaffold cluster.yaml and the secrets folder beside it");
    command->add_option("--dir", flags->dir, "Folder for cluster.yaml and secrets/")->capture_default_str();
    command->add_option("--add-node", flags->add_node,
                        "Create only this node's WireGuard key pair (a node just added to cluster.yaml)");
    command->footer(
        "\nWrites a commented cluster.yaml when there is none, then creates in its secrets folder\n"
        "(0700) every missing secret: the bundle signing key (bundle.key, bundle.pub), a random\n"
        "K3s token (k3s-token) and a WireGuard key pair per node (wireguard/<node>.key, .pub),\n"
        "all 0600. An existing secret is never overwritten, so running it again after editing\n"
        "cluster.yaml only adds what is missing. Keep secrets/ out of version control.");
    command->callback([&run, flags] { run = [flags] { return run_init(*flags); }; });
}

}  // namespace bundle::cli
