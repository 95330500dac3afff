// What every phase of the install (install.h) works with, and the ways they share to run a
// payload script or a command under the phase's name.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "node/install.h"
#include "node/state.h"

namespace bundle::node {

struct Context {
    const InstallOptions& options;
    const NodeConfig& config;
    StateDir dir;
    InstallState& state;
    CommandRunner& runner;
    Log& log;
    const RoleDecider& decide;

    std::string under_root(const std::string& path) const { return dir.under_root(path); }
    // The extracted bundle in use (releases/<...>), resolved: the `current` link is read once.
    std::string bundle_dir() const;
    // Saves state.json; an error here stops the install (a crash must not lose a phase).
    Status save() const { return write_state(dir, state); }
};

using Env = std::vector<std::pair<std::string, std::string>>;

// Runs `command`, its output logged line by line under `phase`. A non-zero exit is a
// Code::step_failed error naming the command and its status.
Status run_step(Context& ctx, const std::string& phase, Command command);

// Runs a command whose exit status is the answer (a check), its output kept, not logged. An Error
// only when it could not run; a non-zero exit is an answer.
Result<CommandResult> check_step(Context& ctx, const Command& command);

// Runs the payload scripts `scripts` (paths relative to the extracted bundle) with `sh`, in
// order, with `env` (BUNDLE_ROOT and BUNDLE_DIR added). The first failure stops, naming it.
Status run_scripts(Context& ctx, const std::string& phase, const std::vector<std::string>& scripts, Env env);

// Writes `content` at `path` (under the root) when it differs; true when it changed.
Result<bool> write_if_changed(const Context& ctx, const std::string& path, const std::string& content, mode_t mode);

Status phase_obtain(Context& ctx);
Status phase_extract(Context& ctx);
Status phase_harden(Context& ctx);
Status phase_mesh(Context& ctx);  // node/mesh.cpp
Status phase_k3s(Context& ctx);
Status phase_addons(Context& ctx);
Status phase_health(Context& ctx);

// When the mesh phase is done but the mesh files (.netdev, .network, the WireGuard key) differ
// from those it applied (user-data or `bundle push` rewrote them: a peer replaced), marks the
// harden phase (the firewall's WireGuard peers come from node.yaml) and the mesh phase as not
// done, so that this install applies them. node/mesh.cpp.
Status rerun_for_changed_mesh(Context& ctx);

}  // namespace bundle::node
