// bundle image: one node's NoCloud seed ISO (deliver/seed_iso.h).
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/process.h"
#include "cli/progress.h"
#include "deliver/defaults.h"
#include "deliver/meta_data.h"
#include "deliver/seed_iso.h"
#include "format/inspect.h"
#include "render/node_delivery.h"

namespace bundle::cli {
namespace {

struct ImageFlags {
    std::string cluster;
    std::string node;
    std::string bundle;
    std::string out;
    bool without_bundle = false;
    Common common;
};

int run_image(const ImageFlags& flags) {
    std::string bundle_path = flags.bundle;
    if (bundle_path.empty()) {
        auto found = deliver::default_bundle();
        if (!found) return report(found.error());
        bundle_path = *found;
    }
    auto delivery = render::prepare_node(flags.cluster, flags.node, bundle_path, jobs_or_default(flags.common));
    if (!delivery) return report(delivery.error());
    const auto& bundle = delivery->bundle;
    deliver::SeedIso iso;
    iso.out_path = deliver::seed_iso_path(flags.out, delivery->node().name);
    iso.user_data = delivery->user_data.text;
    iso.meta_data = deliver::render_meta_data(delivery->cluster, delivery->node(), bundle);
    if (!flags.without_bundle) {
        iso.bundle_path = bundle_path;
        iso.bundle_name = bundle.file_name;
        iso.bundle_size = bundle.size;
        iso.bundle_sha256 = bundle.sha256;
    }
    iso.mtime = static_cast<std::int64_t>(std::time(nullptr));

    std::atomic<std::uint64_t> total{deliver::iso_work(iso.bundle_size)};
    Progress progress("writing " + iso.out_path, total, flags.common.quiet);
    Status written = deliver::write_seed_iso(iso, {&progress.done(), &interrupted()});
    progress.finish();
    if (!written) return report(written.error());
    std::error_code ec;
    auto size = std::filesystem::file_size(iso.out_path, ec);
    std::cout << "wrote " << iso.out_path << " (" << format::human_size(ec ? 0 : size) << ", volume "
              << deliver::kSeedVolumeId << ": user-data, meta-data"
              << (flags.without_bundle ? std::string(", no bundle") : ", " + bundle.file_name) << "; instance-id "
              << deliver::instance_id(delivery->cluster, delivery->node(), bundle) << ")\n";
    if (!flags.common.quiet)
        std::cerr << "it holds " << delivery->node().name
                  << "'s secrets (its WireGuard key, the K3s token): keep it private (mode 0600)\n";
    return kExitOk;
}

}  // namespace

void add_image(CLI::App& app, Run& run) {
    auto flags = std::make_shared<ImageFlags>();
    auto* command = app.add_subcommand("image", "Write one node's NoCloud seed ISO (user-data, meta-data, bundle)");
    command->add_option("--cluster", flags->cluster, "Cluster definition (cluster.yaml)")->required();
    command->add_option("--node", flags->node, "The node's name in cluster.yaml")->required();
    command->add_option("--bundle", flags->bundle,
                        "The bundle the node installs (default: the one .bundle file in ./dist)");
    command->add_option("--out", flags->out,
                        "The image to write, or an existing folder for it (default: ./<node>-seed.iso)");
    command->add_flag("--without-bundle", flags->without_bundle,
                      "Leave the bundle out: the node takes it from its peers over the mesh, or from "
                      "bundle_sources (the reinstall of one node while the others run)");
    add_common(*command, flags->common);
    command->footer(
        "\nFor a provider that attaches an ISO to a VPS instead of taking user-data in its panel.\n"
        "The image's volume is labelled CIDATA; at its root are `user-data` (exactly what\n"
        "`bundle cloud-init` prints for the node), `meta-data` (instance-id\n"
        "<cluster>-<node>-<first 12 hex digits of the bundle's SHA-256>, local-hostname) and the\n"
        "bundle under its own name, which the node's bootstrap takes from the volume: the node\n"
        "installs with no network at all. ISO 9660 level 3 (a bundle over 4 GiB is fine), Rock\n"
        "Ridge and Joliet names.\n\n"
        "With --without-bundle the image holds only user-data and meta-data (a few KiB): the\n"
        "bootstrap then asks the node's peers for the bundle over the WireGuard mesh, then\n"
        "bundle_sources, and checks it against the digest in the user-data (still taken from\n"
        "--bundle). That is the air-gapped reinstall of one node while the others run.\n\n"
        "The image is SECRET (the node's WireGuard key, the K3s token): it is written 0600,\n"
        "through a temporary file renamed into place; on any error nothing is left. libarchive\n"
        "stages the bundle's bytes in $TMPDIR (default /tmp) before writing the image: that needs\n"
        "as much free space as the bundle, and is checked first.\n\n"
        "Example:\n"
        "  bundle image --cluster site/cluster.yaml --node node-1 --bundle dist/ovh-ha3-7.bundle\n"
        "  (writes ./node-1-seed.iso; attach it to node-1's VPS as a CD-ROM, then reinstall)\n"
        "  bundle image --cluster site/cluster.yaml --node node-1 --bundle dist/ovh-ha3-7.bundle \\\n"
        "      --without-bundle        (node-1 reinstalled while node-2 and node-3 run)\n"
        "Exit status as `bundle --help` lists it: 2 an unknown node, 3 a missing secret, 4 no room,\n"
        "10/11 a bundle not signed by the cluster's key, or changed.");
    command->callback([&run, flags] { run = [flags] { return run_image(*flags); }; });
}

}  // namespace bundle::cli
