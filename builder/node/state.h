// The node agent's own directory, /var/lib/bundle under the root (`--root DIR` puts it and every
// other file under DIR):
//
//   journal.log      append-only, one line per step, never rewritten:
//                    "2026-11-27T05:40:01Z harden start" / "... harden done" /
//                    "... k3s failed: payload/k3s/40-install.sh exited with status 1"
//                    and every line the phase's commands printed ("... harden | changed /etc/...").
//   state.json       where the install stands, replaced atomically (temporary, fsync, rename)
//                    after every phase; `bundle node status` and `bundle node serve` read it.
//   install.lock     held (flock) by the running install: a second one fails at once.
//   bundles/<file>   the installed bundle, verified; served to reinstalling peers.
//   releases/<version>-<sha256[0:12]>/   the extracted bundles; `current` is a symbolic link to
//                    the one in use, switched atomically (a new link renamed over the old).
//                    Once a new bundle's install completes, bundles/ and releases/ keep only the
//                    installed bundle and the one installed before it (releases.h).
//   mesh.sha256      the SHA-256 of the mesh files (.netdev, .network, WireGuard key) that the
//                    mesh phase last applied (node/mesh.cpp).
//   force-init       `bundle node bootstrap --force-init` was given (disaster recovery): the next
//                    install takes the bootstrap decision again, forced to initialise.
//
// state.json:
//   {"bundle": {"file", "version", "sha256"},        the bundle being (or last) installed
//    "phases_done": ["obtain", "extract", ...],      for that bundle, in order
//    "phase": "k3s", "last_error": "...",            running or failed, "" when all done
//    "installed": {"version", "sha256", "file"} or null,  the last bundle whose install completed
//                                                    ("file" absent in a state written before it
//                                                    was recorded)
//    "previous": {"version", "sha256", "file"},      the one installed before it (absent: none);
//                                                    kept on disk with the installed one
//    "role": "init" | "join" | "",                   how this node entered the cluster
//    "joined": "10.6.0.2",                           the member it joined through
//    "cluster_reset": true,                          a forced init kept its database: K3s's
//                                                    cluster reset is still to run (absent: false)
//    "updated": "2026-11-27T05:40:01Z"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace bundle::node {

inline constexpr const char* kPhases[] = {"obtain", "extract", "harden", "mesh", "k3s", "addons", "health"};

// "<version>-<sha256[0:12]>": the name of a bundle's folder in releases/.
std::string release_name(std::uint64_t version, const std::string& sha256);

// Paths of the agent's directory under a root ("" or "/" for the real one).
struct StateDir {
    explicit StateDir(std::string root);
    std::string root;  // without a trailing slash; "" for /
    std::string dir;   // <root>/var/lib/bundle
    std::string journal() const { return dir + "/journal.log"; }
    std::string state() const { return dir + "/state.json"; }
    std::string lock() const { return dir + "/install.lock"; }
    std::string bundles() const { return dir + "/bundles"; }
    std::string releases() const { return dir + "/releases"; }
    std::string current() const { return dir + "/current"; }
    // Where the bootstrap script and `bundle push` put a bundle before the install takes it.
    std::string incoming() const { return dir + "/incoming"; }
    // Left by `bundle node bootstrap --force-init`; the next install takes its role again.
    std::string force_init_marker() const { return dir + "/force-init"; }
    // `path` (absolute, e.g. "/etc/bundle/node.yaml") under the root.
    std::string under_root(const std::string& path) const { return root + path; }
};

struct InstallState {
    std::string bundle_file;
    std::uint64_t bundle_version = 0;
    std::string bundle_sha256;
    std::vector<std::string> phases_done;
    std::string phase;
    std::string last_error;
    std::optional<std::uint64_t> installed_version;
    std::string installed_sha256;
    std::string installed_file;  // "" when a state written before it was recorded
    std::optional<std::uint64_t> previous_version;
    std::string previous_sha256;
    std::string previous_file;
    std::string role;
    std::string joined;
    bool cluster_reset = false;
    std::string updated;

    bool done(const std::string& phase_name) const;
};

// Creates /var/lib/bundle (0700) and its missing parents under the root.
Status ensure_state_dir(const StateDir& dir);

// A missing state.json is a fresh node: an empty InstallState. A malformed one is an error
// naming the file.
Result<InstallState> read_state(const StateDir& dir);
Status write_state(const StateDir& dir, InstallState state);  // sets `updated`

// Appends one line to journal.log ("<UTC time> <phase> <text>"), creating the directory and file
// (0600) as needed; each line is written with one write() to a file opened O_APPEND, and is on
// the disk (fdatasync) before this returns: the journal is the record of what an install was
// doing when the power was cut, and without the sync a hard reset loses every line of the last
// half minute or so (ext4 writes delayed-allocation data back after 30 s; seen in the VM test,
// tests/vm/boot_test.sh, where the lines of the run a reset interrupted were gone after it).
Status append_journal(const StateDir& dir, const std::string& phase, const std::string& text);

// "2026-11-27T05:40:01Z" for now.
std::string utc_now();

// Now in UTC as strftime writes it with `format`, which must fit in 31 characters.
std::string utc_now(const char* format);

}  // namespace bundle::node
