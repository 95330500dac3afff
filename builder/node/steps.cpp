// Running commands and payload scripts for the phases: every line they print is logged under the
// phase's name, and a failure names the script (or command) and its exit status.
#include <dirent.h>

#include <algorithm>

#include "node/phase.h"

namespace bundle::node {

Status run_step(Context& ctx, const std::string& phase, Command command) {
    std::string shown = describe(command);
    auto result = ctx.runner.run(command, [&](std::string_view line) { ctx.log.say(phase, "| " + std::string(line)); });
    if (!result) return std::move(result).error();
    if (result->exit_code != 0)
        return Error{Code::step_failed, shown, "exited with status " + std::to_string(result->exit_code)};
    return {};
}

Result<CommandResult> check_step(Context& ctx, const Command& command) { return ctx.runner.run(command, {}); }

Status run_scripts(Context& ctx, const std::string& phase, const std::vector<std::string>& scripts, Env env) {
    std::string bundle_dir = ctx.bundle_dir();
    env.emplace_back("BUNDLE_ROOT", ctx.dir.root.empty() ? "/" : ctx.dir.root);
    env.emplace_back("BUNDLE_DIR", bundle_dir);
    for (const auto& script : scripts) {
        ctx.log.say(phase, "running " + script);
        Command command{{"sh", bundle_dir + "/" + script}, env, {}, {}};
        auto result = ctx.runner.run(command, [&](std::string_view line) { ctx.log.say(phase, "| " + std::string(line)); });
        if (!result) return std::move(result).error();
        if (result->exit_code != 0)
            return Error{Code::step_failed, script, "exited with status " + std::to_string(result->exit_code) +
                                                        " (its output is above and in the journal; rerun "
                                                        "`bundle node install` once it is fixed)"};
    }
    return {};
}

}  // namespace bundle::node
