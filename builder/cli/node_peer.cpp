// `bundle node serve` and `bundle node bootstrap`: flags into options, then peer/.
#include <charconv>
#include <iostream>
#include <memory>
#include <mutex>

#include "cli/exit_codes.h"
#include "cli/node_commands.h"
#include "cli/process.h"
#include "node/command.h"
#include "node/node_config.h"
#include "peer/negotiate.h"
#include "peer/service.h"

namespace bundle::cli {
namespace {

constexpr char kDefaultConfig[] = "/etc/bundle/node.yaml";

// Lines from several threads, each whole, each flushed (journald timestamps them).
peer::LogSink stderr_log(const std::string& prefix) {
    auto mutex = std::make_shared<std::mutex>();
    return [mutex, prefix](const std::string& line) {
        std::lock_guard lock(*mutex);
        std::cerr << prefix << line << std::endl;
    };
}

std::string config_path(const std::string& flag, const std::string& root) {
    if (!flag.empty())
        return flag;
    std::string base = root;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + kDefaultConfig;
}

// "10.6.0.1:7443" -> address and port.
Result<std::pair<std::string, int>> parse_listen(const std::string& text) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return Error{Code::usage, "--listen", "expected ADDRESS:PORT, got " + text};
    std::string port_text = text.substr(colon + 1);
    int port = 0;
    auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535)
        return Error{Code::usage, "--listen", "the port must be 1-65535, got " + port_text};
    return std::make_pair(text.substr(0, colon), port);
}

struct ServeFlags {
    std::string config;
    std::string root;
    std::string listen;
};

int run_serve(const ServeFlags& flags) {
    auto config = node::load_node_config(config_path(flags.config, flags.root));
    if (!config)
        return report(config.error());
    peer::ServeOptions options;
    options.root = flags.root;
    // The mesh address only, unless told otherwise: the firewall keeps the agent port on the mesh,
    // and listening nowhere else keeps it so if the firewall is not there yet.
    options.address = config->me().mesh_ipv4;
    options.port = config->agent_port;
    if (!flags.listen.empty()) {
        auto listen = parse_listen(flags.listen);
        if (!listen)
            return report(listen.error());
        options.address = listen->first;
        options.port = listen->second;
    }
    auto runner = node::system_runner();
    Status status =
        peer::serve(*config, options, *runner, interrupted(), stderr_log("bundle node serve: "));
    if (!status)
        return report(status.error());
    return kExitOk;
}

struct BootstrapFlags {
    std::string config;
    std::string root;
    bool force_init = false;
    bool dry_run = false;
    double poll_interval = -1;
    double timeout = -1;
};

void print_decision(const peer::Decision& decision) {
    switch (decision.kind) {
        case peer::Decision::Kind::init:
            std::cout << "decision: init\n";
            break;
        case peer::Decision::Kind::join:
            std::cout << "decision: join " << decision.join_node << " " << decision.join_address
                      << "\n";
            break;
        case peer::Decision::Kind::wait:
            std::cout << "decision: wait\n";
            break;
    }
    std::cout << "reason: " << decision.reason << "\n";
}

constexpr char kForceWarning[] =
    "WARNING: --force-init founds a NEW cluster on this node without the other nodes' agreement.\n"
    "It is for disaster recovery only: when the cluster has lost most of its servers for good.\n"
    "Every other node that still holds the old cluster must then be reinstalled to join this one;\n"
    "a node of the old cluster that comes back would otherwise run a second cluster beside it.\n";

int run_bootstrap(const BootstrapFlags& flags) {
    auto config = node::load_node_config(config_path(flags.config, flags.root));
    if (!config)
        return report(config.error());
    peer::LogSink log = stderr_log("bundle node bootstrap: ");
    peer::NegotiateOptions options = peer::negotiate_options_from_environment();
    options.root = flags.root;
    options.force_init = flags.force_init;
    options.stop = &interrupted();
    if (flags.poll_interval >= 0)
        options.poll_interval =
            std::chrono::milliseconds(static_cast<long long>(flags.poll_interval * 1000));
    if (flags.timeout >= 0)
        options.timeout = std::chrono::milliseconds(static_cast<long long>(flags.timeout * 1000));
    auto runner = node::system_runner();
    options.runner = runner.get();
    if (flags.force_init)
        std::cerr << kForceWarning;

    if (flags.dry_run || flags.force_init) {
        auto transport = peer::http_transport(options.client);
        auto decision = peer::decide_once(*config, flags.force_init, *transport, log);
        if (!decision)
            return report(decision.error());
        print_decision(*decision);
        if (flags.dry_run)
            return kExitOk;
        // --force-init: the install initialises when it reaches its K3s phase.
        Status written = peer::write_force_init_marker(flags.root);
        if (!written)
            return report(written.error());
        std::cout << "wrote " << peer::force_init_marker(flags.root)
                  << ": the next `bundle node install` on this node initialises a new cluster\n";
        return kExitOk;
    }

    auto role = peer::negotiate_role(*config, options, log);
    if (!role)
        return report(role.error());
    peer::Decision shown;
    shown.kind = role->kind == peer::Role::Kind::init ? peer::Decision::Kind::init
                                                      : peer::Decision::Kind::join;
    shown.join_node = role->join_node;
    shown.join_address = role->join_address;
    shown.reason = role->reason;
    print_decision(shown);
    return kExitOk;
}

}  // namespace

void add_node_serve(CLI::App& node, Run& run) {
    auto flags = std::make_shared<ServeFlags>();
    auto* command = node.add_subcommand(
        "serve", "Serve the bundle and this node's state to its peers, on the mesh");
    command->add_option("--config", flags->config,
                        "The node configuration (default: /etc/bundle/node.yaml under --root)");
    command->add_option("--root", flags->root, "Root prefix of every file the agent reads (tests)");
    command->add_option(
        "--listen", flags->listen,
        "ADDRESS:PORT to listen on (default: this node's mesh_ipv4 and agent_port; never all "
        "addresses unless given as 0.0.0.0:PORT)");
    command->footer(
        "\nGET /bundle/<file>        the installed bundle (HTTP ranges)\n"
        "GET /v1/state             {cluster, node, state: none|initialising|member, healthy,\n"
        "                           settings_digest, bundle}\n"
        "POST /v1/members/remove   remove a stale etcd member (HMAC from the K3s token,\n"
        "                           timestamp, nonce)\n"
        "Stops on SIGTERM or SIGINT after the requests under way.");
    command->callback([&run, flags] { run = [flags] { return run_serve(*flags); }; });
}

void add_node_bootstrap(CLI::App& node, Run& run) {
    auto flags = std::make_shared<BootstrapFlags>();
    auto* command = node.add_subcommand(
        "bootstrap", "Ask the peers and decide: initialise the cluster, join it, or wait");
    command->add_option("--config", flags->config,
                        "The node configuration (default: /etc/bundle/node.yaml under --root)");
    command->add_option("--root", flags->root, "Root prefix of every file the agent reads (tests)");
    command->add_flag("--dry-run", flags->dry_run,
                      "Ask once and print the decision; change nothing");
    command->add_flag(
        "--force-init", flags->force_init,
        "DISASTER RECOVERY: make this node's next install found a new cluster without the peers' "
        "agreement (refused while a peer is a healthy member)");
    command
        ->add_option("--poll-interval", flags->poll_interval,
                     "Seconds between rounds (default 5, or BUNDLE_PEER_POLL_MS)")
        ->check(CLI::Range(0.0, 3600.0));
    command
        ->add_option("--timeout", flags->timeout,
                     "Give up after this many seconds (default: never, or BUNDLE_PEER_TIMEOUT_S)")
        ->check(CLI::Range(0.0, 1e7));
    command->footer(
        "\nWithout --dry-run it waits until the decision is init or join; for join it first\n"
        "asks the member to remove a stale etcd member of this node's name and deletes this\n"
        "node's old K3s database. Prints `decision: init`, `decision: join NODE ADDRESS` or\n"
        "`decision: wait`, then `reason: ...`.");
    command->callback([&run, flags] { run = [flags] { return run_bootstrap(*flags); }; });
}

}  // namespace bundle::cli
