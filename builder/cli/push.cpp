// bundle push: a node's files and bundle delivered over SSH, and its install run there
// (deliver/push.h).
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/process.h"
#include "cli/progress.h"
#include "deliver/defaults.h"
#include "deliver/push.h"
#include "render/node_delivery.h"

namespace bundle::cli {
namespace {


struct PushFlags {
    std::string cluster;
    std::string node;
    std::string ssh;
    std::optional<std::uint16_t> port;
    std::string bundle;
    std::string identity;
    std::string ssh_config;
    std::string root;
    Common common;
};

// The node install's output, passed on as it comes.
void relay(std::ostream& to, std::string_view bytes) {
    to.write(bytes.data(), static_cast<std::streamsize>(bytes.size())).flush();
}

// The step lines and the upload's progress, on stderr.
struct Reporter {
    bool quiet = false;
    std::atomic<std::uint64_t> total{0};
    std::unique_ptr<Progress> progress;

    deliver::PushReport report() {
        deliver::PushReport r;
        r.say = [this](const std::string& text) {
            if (!quiet) std::cerr << "bundle push: " << text << "\n";
        };
        r.upload_begins = [this](std::uint64_t size) {
            total = size;
            progress = std::make_unique<Progress>("uploading", total, quiet);
            return &progress->done();
        };
        r.upload_ends = [this] {
            if (progress) progress->finish();
        };
        r.out = [](std::string_view bytes) { relay(std::cout, bytes); };
        r.err = [](std::string_view bytes) { relay(std::cerr, bytes); };
        return r;
    }
};

int run_push(const PushFlags& flags) {
    std::string bundle_path = flags.bundle;
    if (bundle_path.empty()) {
        auto found = deliver::default_bundle();
        if (!found) return report(found.error());
        bundle_path = *found;
    }
    std::string root;
    if (!flags.root.empty()) {
        auto checked = deliver::check_trial_root(flags.root);
        if (!checked) return report(checked.error());
        root = *checked;
    }
    auto delivery = render::prepare_node(flags.cluster, flags.node, bundle_path, jobs_or_default(flags.common));
    if (!delivery) return report(delivery.error());
    std::string destination = flags.ssh.empty() ? delivery->node().ssh.value_or("") : flags.ssh;
    if (destination.empty())
        return report(Error{Code::usage, flags.cluster,
                            "gives node " + delivery->node().name +
                                " no `ssh:` target: add one, or give --ssh user@host"});
    Reporter reporter;
    reporter.quiet = flags.common.quiet;
    deliver::PushOptions options;
    options.target = {destination, flags.port, flags.identity, flags.ssh_config};
    options.root = root;
    options.report = reporter.report();
    options.cancel = &interrupted();
    options.report.say("verified " + delivery->bundle.file_name + " (SHA-256 " + delivery->bundle.sha256.substr(0, 12) +
                       "...) and rendered " + delivery->node().name + "'s files" +
                       (root.empty() ? "" : "; trial run under " + root + " on the node"));
    auto pushed = deliver::push(*delivery, options);
    if (!pushed) return report(pushed.error());
    if (pushed->install_status != 0) {
        report(Error{Code::internal, pushed->login,
                     "node install exited with status " + std::to_string(pushed->install_status) +
                         " (its output is above); fix the cause and push again: the install resumes"});
        return kExitRemoteInstall;
    }
    std::cout << "pushed " << delivery->bundle.file_name << " to " << delivery->node().name << " (" << pushed->login
              << (pushed->uploaded ? "" : ", bundle already there") << "): node install succeeded\n";
    return kExitOk;
}

}  // namespace

void add_push(CLI::App& app, Run& run) {
    auto flags = std::make_shared<PushFlags>();
    auto* command = app.add_subcommand(
        "push", "Deliver one node's files and bundle over SSH and run its install there (no user-data needed)");
    command->add_option("--cluster", flags->cluster, "Cluster definition (cluster.yaml)")->required();
    command->add_option("--node", flags->node, "The node's name in cluster.yaml")->required();
    command->add_option("--ssh", flags->ssh, "The login, user@host (default: the node's `ssh:` in cluster.yaml)");
    command->add_option("--port", flags->port, "SSH port (default: ssh's, normally 22)")->check(CLI::Range(1, 65535));
    command->add_option("--bundle", flags->bundle, "The bundle to install (default: the one .bundle file in ./dist)");
    command->add_option("--identity", flags->identity, "SSH private key (default: ssh's own, or the ssh-agent)");
    command->add_option("--ssh-config", flags->ssh_config, "ssh configuration file to use instead of ~/.ssh/config");
    command->add_option("--root", flags->root,
                        "Trial run: every file on the node goes under this folder, and the node agent\n"
                        "gets --root too; nothing else on the node changes (no hostname)");
    add_common(*command, flags->common);
    command->footer(
        "\nFor a provider whose reinstall takes no user-data. The bundle is verified here\n"
        "first; then, over one SSH connection (OpenSSH's ssh, BatchMode: a key, never a\n"
        "password prompt), push:\n"
        "  1. uploads the bundle to /var/lib/bundle/incoming/ (0700), unless a copy with the\n"
        "     same SHA-256 is there already; it is checked again on the node\n"
        "  2. writes the node's files, the same the user-data writes (node.yaml 0600, the\n"
        "     WireGuard key, the mesh, the bootstrap), and sets the hostname; the secrets go\n"
        "     over stdin, never in a command line or a log\n"
        "  3. takes bin/bundle out of the bundle, checks its SHA-256, and runs\n"
        "     `bundle node install`, its output streamed back here\n"
        "The bootstrap unit is written but not started: push runs the install itself. Every\n"
        "step is safe to repeat: after a failure, push again. A login that is not root runs\n"
        "the steps through `sudo -n`; log in as the image's admin user (debian, ubuntu), not\n"
        "root: the install's SSH hardening ends root logins and lets in only the keys of\n"
        "cluster.yaml's ssh_authorized_keys. An unknown host key is accepted and remembered, a\n"
        "changed one refused (a reinstalled VPS has a new one: `ssh-keygen -R HOST`).\n"
        "--ssh-config names an ssh configuration (a jump host, say) to use instead of yours.\n\n"
        "Example:\n"
        "  bundle push --cluster site/cluster.yaml --node node-1 --ssh debian@203.0.113.10 \\\n"
        "      --bundle dist/ovh-ha3-7.bundle --identity ~/.ssh/id_ed25519\n\n"
        "Exit status: 0 the node installed; 20 node install ran and failed (its status is\n"
        "printed); 5 SSH failed (unreachable, login refused, host key changed, connection lost);\n"
        "4 a step on the node failed (sudo wants a password, a file could not be written);\n"
        "11 the bundle or its agent changed; 2, 3, 10 as `bundle --help` lists them.");
    command->callback([&run, flags] { run = [flags] { return run_push(*flags); }; });
}

}  // namespace bundle::cli
