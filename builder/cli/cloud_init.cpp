#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "render/node_delivery.h"

namespace bundle::cli {
namespace {

struct CloudInitFlags {
    std::string cluster;
    std::string node;
    std::string bundle;
    Common common;
};

int run_cloud_init(const CloudInitFlags& flags) {
    auto delivery = render::prepare_node(flags.cluster, flags.node, flags.bundle, jobs_or_default(flags.common));
    if (!delivery) return report(delivery.error());
    const auto& data = delivery->user_data;
    std::cout << data.text;
    std::cout.flush();
    if (!std::cout) return report(Error{Code::io, "stdout", "cannot write the user-data"});
    if (!flags.common.quiet)
        std::cerr << "user-data of " << delivery->node().name << ": " << data.text.size() << " bytes (limit "
                  << render::kMaxUserDataBytes << ")\n";
    return kExitOk;
}

}  // namespace

void add_cloud_init(CLI::App& app, Run& run) {
    auto flags = std::make_shared<CloudInitFlags>();
    auto* command = app.add_subcommand("cloud-init", "Print one node's user-data (#cloud-config)");
    command->add_option("--cluster", flags->cluster, "Cluster definition (cluster.yaml)")->required();
    command->add_option("--node", flags->node, "The node's name in cluster.yaml")->required();
    command->add_option("--bundle", flags->bundle, "The bundle the node installs (from `bundle build`)")->required();
    add_common(*command, flags->common);
    command->footer(
        "\nThe bundle is verified with the cluster's signing key first; its digest, its node\n"
        "agent's digest and the public key go into the user-data. The output is SECRET (the\n"
        "node's WireGuard key, the K3s token): paste it into the provider's panel, or write it\n"
        "to a private file:  (umask 077; bundle cloud-init ... > node-1.yaml)\n"
        "`bundle build --cluster` writes every node's user-data to <out>/cloud-init/ at once.");
    command->callback([&run, flags] { run = [flags] { return run_cloud_init(*flags); }; });
}

}  // namespace bundle::cli
