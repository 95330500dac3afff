// The mesh phase: the WireGuard interface that systemd-networkd makes from the .netdev and
// .network the user-data (or `bundle push`) wrote, applied for real when they change, and the
// node agent's own unit.
//
// Why "for real": `networkctl reload` does not apply a changed .netdev to an interface that
// exists (systemd #9627). In systemd 252 (Debian 12) to 255 (Ubuntu 24.04), a reload calls
// netdev_load(manager, reload=true), which keeps the loaded NetDev objects, and
// netdev_load_one() meets the existing name with -EEXIST and drops the new file's settings
// (src/network/netdev/netdev.c). A replaced peer's new key or address would never reach the
// kernel. So the phase keeps the SHA-256 of the files it applied in /var/lib/bundle/mesh.sha256;
// when they differ, it deletes the interface (`networkctl delete`; networkd forgets a NetDev whose
// link is gone, netdev_drop()) and restarts networkd, which loads every .netdev afresh
// (netdev_load with reload=false clears its table first) and creates the interface from the new
// files. A restart, not a reload after the delete: the reload could reach networkd before it has
// handled the deletion, and would then find the old NetDev still there.
//
// networkd also gets a drop-in that keeps it from removing routes and routing-policy rules it did
// not make: Cilium's (ManageForeignRoutes=, ManageForeignRoutingPolicyRules=, systemd 246 and 249,
// read at networkd's start only: a changed drop-in restarts networkd too).
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "core/safe_fs.h"
#include "hash/sha256.h"
#include "node/phase.h"

namespace bundle::node {
namespace {

constexpr char kMeshDigestPath[] = "/var/lib/bundle/mesh.sha256";
constexpr char kNetworkdDropInPath[] = "/etc/systemd/networkd.conf.d/50-bundle.conf";

constexpr char kNetworkdDropIn[] =
    "# Written by bundle node install; edits are overwritten.\n"
    "# Cilium installs routes and routing-policy rules of its own; networkd must leave them alone\n"
    "# when it (re)configures a link.\n"
    "[Network]\n"
    "ManageForeignRoutingPolicyRules=no\n"
    "ManageForeignRoutes=no\n";

constexpr char kServeUnitPath[] = "/etc/systemd/system/bundle-node.service";
constexpr char kServeUnit[] =
    "# Written by bundle node install; edits are overwritten.\n"
    "[Unit]\n"
    "Description=bundle node agent: the bundle and this node's state for its peers, on the mesh\n"
    "After=network-online.target systemd-networkd.service\n"
    "Wants=network-online.target\n"
    "\n"
    "[Service]\n"
    "ExecStart=/usr/local/bin/bundle node serve --config /etc/bundle/node.yaml\n"
    "Restart=always\n"
    "RestartSec=5\n"
    "\n"
    "[Install]\n"
    "WantedBy=multi-user.target\n";

// The files networkd makes the mesh from, absolute (not under the root).
std::vector<std::string> mesh_files(const Context& ctx) {
    const std::string& iface = ctx.config.mesh_interface;
    return {"/etc/systemd/network/60-" + iface + ".netdev", "/etc/systemd/network/60-" + iface + ".network",
            "/etc/bundle/wireguard.key"};
}

// The whole content of `path`, or nullopt when it does not exist; an Error when it cannot be
// read or is a symbolic link (opened with O_NOFOLLOW: what is hashed is the file itself).
Result<std::optional<std::string>> read_whole(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT) return std::optional<std::string>{};
        if (errno == ELOOP) return Error{Code::unsafe_path, path, "is a symbolic link; the mesh files must be files"};
        return system_error(Code::io, path, "cannot read", errno);
    }
    std::string text;
    char buffer[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_error(Code::io, path, "cannot read", errno);
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return std::optional<std::string>{std::move(text)};
}

// The SHA-256 (hex) of the mesh files, each as its path, its size and its content, so that no
// two different sets give the same bytes. A missing file is an Error naming it.
Result<std::string> mesh_digest(const Context& ctx) {
    hash::Sha256 digest;
    for (const auto& path : mesh_files(ctx)) {
        auto text = read_whole(ctx.under_root(path));
        if (!text) return std::move(text).error();
        if (!*text)
            return Error{Code::invalid_input, ctx.under_root(path),
                         "is missing: the node's user-data (or `bundle push`) writes it with node.yaml"};
        std::string head = path + "\n" + std::to_string((*text)->size()) + "\n";
        if (auto s = digest.update(head.data(), head.size()); !s) return std::move(s).error();
        if (auto s = digest.update((*text)->data(), (*text)->size()); !s) return std::move(s).error();
    }
    auto done = digest.finish();
    if (!done) return std::move(done).error();
    return hash::to_hex(*done);
}

// What the mesh phase applied last ("" when it never did).
Result<std::string> applied_digest(const Context& ctx) {
    auto text = read_whole(ctx.under_root(kMeshDigestPath));
    if (!text) return std::move(text).error();
    if (!*text) return std::string();
    std::string value = **text;
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    return value;
}


bool interface_exists(const Context& ctx) {
    struct stat st {};
    return ::lstat(ctx.under_root("/sys/class/net/" + ctx.config.mesh_interface).c_str(), &st) == 0;
}

// networkd running with our drop-in and the interface made from the current files; records
// what it applied.
Status apply_networkd(Context& ctx) {
    auto digest = mesh_digest(ctx);
    if (!digest) return std::move(digest).error();
    auto applied = applied_digest(ctx);
    if (!applied) return std::move(applied).error();
    auto dropin = write_if_changed(ctx, kNetworkdDropInPath, kNetworkdDropIn, 0644);
    if (!dropin) return std::move(dropin).error();
    if (*dropin) ctx.log.say("mesh", std::string("changed ") + kNetworkdDropInPath);

    if (auto s = run_step(ctx, "mesh", {{"systemctl", "enable", "--now", "systemd-networkd.service"}, {}, {}, {}}); !s) return s;
    bool files_changed = *digest != *applied;
    if (files_changed && interface_exists(ctx)) {
        ctx.log.say("mesh", "the mesh files changed since they were applied: deleting " + ctx.config.mesh_interface +
                                " for networkd to make it anew (a reload keeps an existing WireGuard interface as it is)");
        if (auto s = run_step(ctx, "mesh", {{"networkctl", "delete", ctx.config.mesh_interface}, {}, {}, {}}); !s) return s;
    }
    if (files_changed || *dropin) {
        if (auto s = run_step(ctx, "mesh", {{"systemctl", "restart", "systemd-networkd.service"}, {}, {}, {}}); !s) return s;
    }
    if (!files_changed) return {};
    auto where = ctx.under_root(kMeshDigestPath);
    if (auto made = make_directories(where.substr(0, where.rfind('/')), 0700); !made) return made;
    return write_file_atomically(where, *digest + "\n", 0600);
}

}  // namespace

Status phase_mesh(Context& ctx) {
    if (auto s = apply_networkd(ctx); !s) return s;
    auto changed = write_if_changed(ctx, kServeUnitPath, kServeUnit, 0644);
    if (!changed) return std::move(changed).error();
    if (*changed) {
        ctx.log.say("mesh", std::string("changed ") + kServeUnitPath);
        if (auto s = run_step(ctx, "mesh", {{"systemctl", "daemon-reload"}, {}, {}, {}}); !s) return s;
    }
    if (auto s = run_step(ctx, "mesh", {{"systemctl", "enable", "bundle-node.service"}, {}, {}, {}}); !s) return s;
    // A new bundle brings a new agent: restart it so peers are served by the one installed.
    return run_step(ctx, "mesh", {{"systemctl", "restart", "bundle-node.service"}, {}, {}, {}});
}

Status rerun_for_changed_mesh(Context& ctx) {
    auto& done = ctx.state.phases_done;
    if (std::find(done.begin(), done.end(), "mesh") == done.end()) return {};
    auto digest = mesh_digest(ctx);
    if (!digest) return std::move(digest).error();
    auto applied = applied_digest(ctx);
    if (!applied) return std::move(applied).error();
    if (*digest == *applied) return {};
    ctx.log.say("install", "the mesh files differ from those applied (a peer's key or address changed, or a first run "
                           "of this agent): the harden phase (the firewall's WireGuard peers) and the mesh phase run again");
    std::erase_if(done, [](const std::string& p) { return p == "harden" || p == "mesh"; });
    return {};
}

}  // namespace bundle::node
