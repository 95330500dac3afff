#include <iostream>
#include <memory>

#include "build/resolve.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/fetch_flags.h"
#include "core/atomic_file.h"
#include "spec/image.h"
#include "spec/lock.h"

namespace bundle::cli {
namespace {

struct LockFlags {
    std::string image;
    bool quiet = false;
    FetchFlags fetch;
};

int run_lock(const LockFlags& flags) {
    auto image = spec::load_image(flags.image);
    if (!image) return report(image.error());
    auto progress = make_fetch_progress(flags.fetch, flags.quiet);
    auto context = build::open_fetch_context(fetch_settings(flags.fetch, progress.get()));
    if (!context) return report(context.error());
    auto lock = build::resolve_pins(*image, *context);
    if (!lock) return report(lock.error());
    std::filesystem::path file = spec::lock_path_for(image->file);
    std::string text = spec::render_lock(*lock, image->file.filename().string());
    if (auto written = write_file_atomically(file.string(), text, 0644); !written) return report(written.error());
    std::cout << "wrote " << file.string() << ": " << lock->artifacts.size() << " artifacts, " << lock->images.size()
              << " images\n";
    return kExitOk;
}

}  // namespace

void add_lock(CLI::App& app, Run& run) {
    auto flags = std::make_shared<LockFlags>();
    auto* command = app.add_subcommand("lock", "Resolve every pin of an image definition into <name>.lock.yaml");
    command->add_option("--image", flags->image, "Image definition (images/<name>.yaml)")->required();
    command->add_flag("-q,--quiet", flags->quiet, "No progress output");
    add_fetch_flags(*command, flags->fetch, "--jobs");
    command->footer(
        "\nNeeds the network (or a --mirror that holds the checksum files and chart indexes).\n"
        "Each artifact is downloaded once into the cache, so its size and digest are known; each\n"
        "image tag is resolved to its index, platform manifest and blobs. The lock is sorted and\n"
        "stable: `git diff` shows exactly which pin moved. Review it, commit it, and build with\n"
        "`bundle build --locked`.");
    command->callback([&run, flags] { run = [flags] { return run_lock(*flags); }; });
}

}  // namespace bundle::cli
