#include <iostream>
#include <memory>

#include "build/mirror.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "fetch/cache.h"
#include "format/inspect.h"
#include "spec/image.h"
#include "spec/lock.h"

namespace bundle::cli {
namespace {

struct MirrorFlags {
    std::string image;
    std::string to;
    std::string cache;
};

int run_mirror(const MirrorFlags& flags) {
    auto image = spec::load_image(flags.image);
    if (!image) return report(image.error());
    std::filesystem::path lock_file = spec::lock_path_for(image->file);
    auto lock = spec::load_lock(lock_file);
    if (!lock) return report(lock.error());
    if (auto matches = spec::check_lock_matches(*image, *lock, lock_file); !matches) return report(matches.error());
    auto cache = fetch::Cache::open(flags.cache.empty() ? fetch::Cache::default_root() : std::filesystem::path(flags.cache));
    if (!cache) return report(cache.error());
    auto written = build::write_mirror(*lock, *cache, flags.to);
    if (!written) return report(written.error());
    std::cout << "wrote " << written->files << " files (" << format::human_size(written->bytes) << ") to " << flags.to
              << "\n";
    return kExitOk;
}

}  // namespace

void add_mirror(CLI::App& app, Run& run) {
    auto flags = std::make_shared<MirrorFlags>();
    auto* command = app.add_subcommand("mirror", "Write an internal mirror of a locked image definition from the cache");
    command->add_option("--image", flags->image, "Image definition; its lock says what to write")->required();
    command->add_option("--to", flags->to, "Mirror folder (serve it with any static web server, or pass it as --mirror)")
        ->required();
    command->add_option("--cache", flags->cache, "Download cache (default: $XDG_CACHE_HOME/bundle or ~/.cache/bundle)");
    command->footer(
        "\nFill the cache first with `bundle fetch --image F --locked`. Then, without internet:\n"
        "  bundle build --image F --locked --mirror DIR|URL ...");
    command->callback([&run, flags] { run = [flags] { return run_mirror(*flags); }; });
}

}  // namespace bundle::cli
