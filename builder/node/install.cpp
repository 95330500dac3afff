#include "node/install.h"

#include <sys/stat.h>

#include <iterator>

#include "node/install_lock.h"
#include "node/phase.h"

namespace bundle::node {
namespace {

using PhaseFunction = Status (*)(Context&);

struct PhaseEntry {
    const char* name;
    PhaseFunction run;
};

constexpr PhaseEntry kPhaseTable[] = {
    {"obtain", phase_obtain}, {"extract", phase_extract}, {"harden", phase_harden}, {"mesh", phase_mesh},
    {"k3s", phase_k3s},       {"addons", phase_addons},   {"health", phase_health},
};
static_assert(std::size(kPhaseTable) == std::size(kPhases));

// The state for installing `bundle`: kept when it is the bundle of the state file (a rerun
// resumes), started over for another one (an upgrade keeps the installed version and the role).
Result<InstallState> state_for(const NodeConfig& config, InstallState state, const std::string& where) {
    const BundleInfo& bundle = config.bundle;
    if (state.installed_version && *state.installed_version > bundle.version)
        return Error{Code::rollback, where,
                     "version " + std::to_string(*state.installed_version) + " is installed; refusing " + bundle.file +
                         " (version " + std::to_string(bundle.version) + "): a bundle never goes back"};
    if (state.installed_version && *state.installed_version == bundle.version && state.installed_sha256 != bundle.sha256)
        return Error{Code::rollback, where,
                     "version " + std::to_string(bundle.version) + " is installed with another content (sha256 " +
                         state.installed_sha256 + "); give the new bundle a new version"};
    if (state.bundle_sha256 != bundle.sha256) {
        state.bundle_file = bundle.file;
        state.bundle_version = bundle.version;
        state.bundle_sha256 = bundle.sha256;
        state.phases_done.clear();
        state.phase.clear();
        state.last_error.clear();
    }
    return state;
}

// `bundle node bootstrap --force-init` on a node that is installed already (the survivor of a
// cluster that lost its quorum): the K3s phase and those after it run again, and the decision is
// taken afresh, so that it is the forced init (with K3s's cluster reset of the kept database).
void honour_force_init(const StateDir& dir, InstallState& state, Log& log) {
    struct stat st {};
    if (state.role.empty() || ::lstat(dir.force_init_marker().c_str(), &st) != 0) return;
    log.say("install", "found " + dir.force_init_marker() + ": taking the bootstrap decision again (disaster recovery)");
    state.role.clear();
    state.joined.clear();
    std::erase_if(state.phases_done, [](const std::string& p) { return p == "k3s" || p == "addons" || p == "health"; });
}

}  // namespace

Status install(const InstallOptions& options, CommandRunner& runner, const RoleDecider& decide) {
    StateDir dir(options.root);
    Log log(dir, options.quiet);
    auto config = load_node_config(options.config_path);
    if (!config) return std::move(config).error();
    auto lock = InstallLock::acquire(dir);
    if (!lock) return std::move(lock).error();
    auto read = read_state(dir);
    if (!read) return std::move(read).error();
    auto state = state_for(*config, *read, dir.state());
    if (!state) return std::move(state).error();

    honour_force_init(dir, *state, log);
    Context ctx{options, *config, dir, *state, runner, log, decide};
    if (auto s = rerun_for_changed_mesh(ctx); !s) return s;
    log.say("install", "node " + config->self + " of cluster " + config->cluster + ", bundle " + config->bundle.file);
    for (const auto& phase : kPhaseTable) {
        if (state->done(phase.name)) {
            log.say(phase.name, "done before");
            continue;
        }
        state->phase = phase.name;
        if (auto saved = ctx.save(); !saved) return saved;
        log.say(phase.name, "start");
        if (auto ran = phase.run(ctx); !ran) {
            state->last_error = ran.error().describe();
            log.say(phase.name, "failed: " + state->last_error);
            if (auto saved = ctx.save(); !saved) log.say(phase.name, "cannot save the state: " + saved.error().describe());
            return ran;
        }
        state->phases_done.emplace_back(phase.name);
        state->last_error.clear();
        if (auto saved = ctx.save(); !saved) return saved;
        log.say(phase.name, "done");
    }
    state->phase.clear();
    state->installed_version = config->bundle.version;
    state->installed_sha256 = config->bundle.sha256;
    if (auto saved = ctx.save(); !saved) return saved;
    log.say("install", "complete: " + config->self + " runs " + config->bundle.file);
    return {};
}

}  // namespace bundle::node
