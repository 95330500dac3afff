#include <iostream>
#include <memory>

#include "build/materials.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/fetch_flags.h"
#include "spec/image.h"

namespace bundle::cli {
namespace {

struct FetchCommandFlags {
    std::string image;
    bool locked = false;
    bool quiet = false;
    FetchFlags fetch;
};

int run_fetch(const FetchCommandFlags& flags) {
    auto image = spec::load_image(flags.image);
    if (!image) return report(image.error());
    auto progress = make_fetch_progress(flags.fetch, flags.quiet);
    auto context = build::open_fetch_context(fetch_settings(flags.fetch, progress.get()));
    if (!context) return report(context.error());
    auto lock = build::lock_for_build(*image, flags.locked, *context);
    if (!lock) return report(lock.error());
    auto materials = build::fetch_materials(*image, *lock, *context);
    if (!materials) return report(materials.error());
    std::cout << "cached in " << context->cache.root().string() << ": " << lock->artifacts.size() << " artifacts, "
              << lock->images.size() << " images\n";
    return kExitOk;
}

}  // namespace

void add_fetch(CLI::App& app, Run& run) {
    auto flags = std::make_shared<FetchCommandFlags>();
    auto* command = app.add_subcommand("fetch", "Download everything an image definition needs into the cache");
    command->add_option("--image", flags->image, "Image definition (images/<name>.yaml)")->required();
    command->add_flag("--locked", flags->locked, "Fetch exactly what <name>.lock.yaml names, nothing else");
    command->add_flag("-q,--quiet", flags->quiet, "No progress output");
    add_fetch_flags(*command, flags->fetch, "--jobs");
    command->footer(
        "\nEvery byte is hashed as it arrives and enters the cache only when its digest matches.\n"
        "An interrupted fetch resumes where it stopped; a warm cache makes a rerun instant.");
    command->callback([&run, flags] { run = [flags] { return run_fetch(*flags); }; });
}

}  // namespace bundle::cli
