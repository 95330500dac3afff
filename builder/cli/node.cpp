// `bundle node ...`: the node agent's commands. install and status live here; serve and
// bootstrap (the peer protocol) in node_peer.cpp.
#include <csignal>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/node_commands.h"
#include "cli/process.h"
#include "node/install.h"
#include "node/status.h"
#include "peer/client.h"
#include "peer/role_decider.h"

namespace bundle::cli {
namespace {

struct InstallFlags {
    node::InstallOptions options;
    unsigned ready_timeout = 900;
    unsigned poll_ms = 5000;
    Common common;
};

struct StatusFlags {
    std::string config = "/etc/bundle/node.yaml";
    std::string root;
    bool json = false;
};

int run_install(InstallFlags flags) {
    std::signal(SIGPIPE, SIG_IGN);
    flags.options.jobs = jobs_or_default(flags.common);
    flags.options.quiet = flags.common.quiet;
    flags.options.ready_timeout = std::chrono::seconds(flags.ready_timeout);
    flags.options.poll_interval = std::chrono::milliseconds(flags.poll_ms);
    auto runner = node::system_runner();
    // The install sets a stale database aside itself, after stopping K3s (node/phases.cpp).
    auto negotiate = peer::negotiate_options_from_environment();
    negotiate.root = flags.options.root;
    negotiate.clear_database = false;
    negotiate.stop = &interrupted();  // SIGTERM while waiting for the peers ends the install
    node::RoleDecider decide = peer::role_decider(negotiate);
    auto installed = node::install(flags.options, *runner, decide);
    if (!installed) return report(installed.error());
    return kExitOk;
}

int run_status(const StatusFlags& flags) {
    std::signal(SIGPIPE, SIG_IGN);
    auto config = node::load_node_config(flags.config);
    if (!config) return report(config.error());
    auto runner = node::system_runner();
    auto report_data = node::collect_report(*config, node::StateDir(flags.root), *runner);
    if (!report_data) return report(report_data.error());
    for (const peer::Answer& answer : peer::http_transport()->ask_all(*config))  // in parallel, 5 s at most
        report_data->peers.push_back(peer::view_of(answer, config->settings_digest));
    std::cout << (flags.json ? node::report_json(*report_data) : node::report_text(*report_data));
    std::cout.flush();
    return std::cout ? kExitOk : kExitIo;
}

void add_install(CLI::App& group, Run& run) {
    auto flags = std::make_shared<InstallFlags>();
    auto* command = group.add_subcommand("install", "Install the bundle on this node and bring it into the cluster");
    command->add_option("--config", flags->options.config_path, "The node's configuration (written by its user-data)")
        ->capture_default_str();
    command->add_option("--bundle", flags->options.bundle_path,
                        "The bundle file (the bootstrap script fetches it; not needed once obtained)");
    command->add_option("--root", flags->options.root,
                        "Put every file under this directory (a trial run: commands still run; use stand-ins)");
    command->add_option("--ready-timeout", flags->ready_timeout, "Seconds to wait for K3s and the add-ons")
        ->capture_default_str();
    command->add_option("--poll-ms", flags->poll_ms, "Milliseconds between readiness checks")->capture_default_str();
    add_common(*command, flags->common);
    command->footer(
        "\nPhases: obtain, extract, harden, mesh, k3s, addons, health. Each is recorded in\n"
        "/var/lib/bundle/state.json when done, so a rerun (after a reboot, a crash or a fix)\n"
        "resumes at the first phase not done; every step is logged to stderr and to\n"
        "/var/lib/bundle/journal.log. A second install while one runs fails at once (exit 16);\n"
        "a bundle older than the installed one is refused (exit 15); a failing payload script\n"
        "stops the install, named with its exit status (exit 17).\n"
        "Normally started by bundle-bootstrap.service at first boot:\n"
        "  bundle node install --bundle /var/lib/bundle/incoming/ovh-ha3-7.bundle\n"
        "See where it stands:  bundle node status");
    command->callback([&run, flags] { run = [flags] { return run_install(*flags); }; });
}

void add_status(CLI::App& group, Run& run) {
    auto flags = std::make_shared<StatusFlags>();
    auto* command = group.add_subcommand("status", "Where this node stands: install phase, mesh, K3s, add-ons, peers");
    command->add_option("--config", flags->config, "The node's configuration")->capture_default_str();
    command->add_option("--root", flags->root, "The root the install used (--root of install)");
    command->add_flag("--json", flags->json, "One JSON object, for scripts");
    command->footer(
        "\nShows the install state (bundle, phases done, the phase that failed and why), the mesh's\n"
        "WireGuard handshakes (needs wg), K3s's /readyz, its nodes and which run etcd, Cilium and\n"
        "Argo CD rolled out, and what each peer's agent says of itself over the mesh (none,\n"
        "initialising or member; healthy; same settings). Each question waits at most 5 s; one\n"
        "that cannot be answered shows as unknown or unreachable. Exit 0 whenever it could report.");
    command->callback([&run, flags] { run = [flags] { return run_status(*flags); }; });
}

}  // namespace

void add_node(CLI::App& app, Run& run) {
    auto* group = app.add_subcommand("node", "The node agent (runs on the VPS): install, status, serve, bootstrap");
    group->require_subcommand(1);
    add_install(*group, run);
    add_status(*group, run);
    add_node_serve(*group, run);
    add_node_bootstrap(*group, run);
}

}  // namespace bundle::cli
