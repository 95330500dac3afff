#include "node/install.h"

#include <sys/stat.h>

#include <algorithm>
#include <iterator>

#include "node/install_lock.h"
#include "node/phase.h"
#include "node/preflight.h"
#include "node/releases.h"
#include "render/bootstrap.h"

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
        // A state written before the installed bundle's file was recorded: it is the file of
        // the bundle this state was about, when that is the one installed.
        if (state.installed_file.empty() && state.installed_version && state.bundle_sha256 == state.installed_sha256)
            state.installed_file = state.bundle_file;
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

// Bytes the phases still to run need on the state directory's filesystem: the bundle's file and
// its extracted copy (preflight.h).
std::uint64_t space_needed(const InstallState& state, const BundleInfo& bundle) {
    return (state.done("obtain") ? 0 : bundle.size) + (state.done("extract") ? 0 : bundle.size);
}

// The preflight (preflight.h), before the lock or anything else is written; skipped when every
// phase is done (a rerun that changes nothing needs nothing). A state that cannot be read or a
// refused bundle is left to the install to report.
Status check_system(const InstallOptions& options, const NodeConfig& config, const StateDir& dir) {
    auto read = read_state(dir);
    if (!read) return {};
    auto state = state_for(config, *read, dir.state());
    if (!state) return {};
    bool all_done = std::all_of(std::begin(kPhases), std::end(kPhases), [&](const char* p) { return state->done(p); });
    struct stat st {};
    if (all_done && ::lstat(dir.force_init_marker().c_str(), &st) != 0) return {};
    return preflight(system_view(options.root), dir, space_needed(*state, config.bundle));
}

// The bundle just installed becomes "installed", and the one installed before it "previous".
void record_installed(InstallState& state, const BundleInfo& bundle) {
    if (state.installed_version && state.installed_sha256 != bundle.sha256) {
        state.previous_version = state.installed_version;
        state.previous_sha256 = state.installed_sha256;
        state.previous_file = state.installed_file;
    }
    state.installed_version = bundle.version;
    state.installed_sha256 = bundle.sha256;
    state.installed_file = bundle.file;
}

// cloud-init/bootstrap.sh's unit has done its work once the node is installed: disabled, it does
// not run the install again at every boot. Enabled means linked into multi-user.target.wants
// (runcmd's `systemctl enable`); a node installed by `bundle push` never had it enabled. A
// failure is said, not fatal: the unit would only find everything done at the next boot.
void disable_bootstrap_unit(const StateDir& dir, CommandRunner& runner, Log& log) {
    struct stat st {};
    if (::lstat(dir.under_root(render::kBootstrapEnabledLink).c_str(), &st) != 0) return;
    Command disable{{"systemctl", "disable", render::kBootstrapUnit}, {}, {}, {}};
    auto ran = runner.run(disable, [&](std::string_view line) { log.say("install", "| " + std::string(line)); });
    if (!ran || ran->exit_code != 0) {
        log.say("install", "warning: cannot disable " + std::string(render::kBootstrapUnit) + " (" +
                               (ran ? "exit status " + std::to_string(ran->exit_code) : ran.error().describe()) +
                               "); it will find the node installed at the next boot");
        return;
    }
    log.say("install", std::string(render::kBootstrapUnit) + " disabled: the node is installed");
}

}  // namespace

Status install(const InstallOptions& options, CommandRunner& runner, const RoleDecider& decide) {
    StateDir dir(options.root);
    Log log(dir, options.quiet);
    auto config = load_node_config(options.config_path);
    if (!config) return std::move(config).error();
    if (auto checked = check_system(options, *config, dir); !checked) return checked;
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
    record_installed(*state, config->bundle);
    if (auto saved = ctx.save(); !saved) return saved;
    log.say("install", "complete: " + config->self + " runs " + config->bundle.file);
    // Housekeeping, once the bundle is healthy; a failure is said and retried at the next run.
    if (auto pruned = prune_releases(dir, *state, log); !pruned)
        log.say("install", "warning: old releases not removed: " + pruned.error().describe());
    disable_bootstrap_unit(dir, runner, log);
    return {};
}

}  // namespace bundle::node
