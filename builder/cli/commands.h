// Each subcommand lives in its own file and only wires flags into an options struct and a library
// call. add_<name>() registers it; when CLI11 selects it, its callback stores the work in `run`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace bundle::cli {

using Run = std::function<int()>;

void add_keygen(CLI::App& app, Run& run);
void add_build(CLI::App& app, Run& run);
void add_verify(CLI::App& app, Run& run);
void add_extract(CLI::App& app, Run& run);
void add_inspect(CLI::App& app, Run& run);
void add_lock(CLI::App& app, Run& run);
void add_fetch(CLI::App& app, Run& run);
void add_mirror(CLI::App& app, Run& run);
void add_init(CLI::App& app, Run& run);
void add_cloud_init(CLI::App& app, Run& run);
void add_image(CLI::App& app, Run& run);
void add_push(CLI::App& app, Run& run);
void add_node(CLI::App& app, Run& run);

// Options several commands share.
struct Common {
    unsigned jobs = 0;  // 0: one per core
    bool quiet = false;
};
void add_common(CLI::App& command, Common& common);
unsigned jobs_or_default(const Common& common);

}  // namespace bundle::cli
