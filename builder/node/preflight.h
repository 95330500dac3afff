// What the install needs of the OS image, checked before anything changes (before the install
// lock, the journal or any file is written), so that a node whose image lacks something stops at
// once with one message naming everything missing, rather than half-installed at the phase that
// first needs it:
//
//   nft, sha256sum, tar   on PATH (where the CommandRunner looks programs up): the firewall
//                         script, the bootstrap script and K3s's install script use them
//   systemd-networkd      its program or its unit under the root's /lib or /usr/lib/systemd: the
//                         mesh is a networkd WireGuard interface
//   network time          a service `timedatectl set-ntp` can turn on (a unit named in
//                         systemd/ntp-units.d/*.list that exists): 40-time.sh needs one
//   WireGuard             the kernel's module: loaded (/sys/module/wireguard under the root), built
//                         in (modules.builtin) or installed (modules.dep) under the root's
//                         /lib/modules/<uname -r> or /usr/lib/modules/<uname -r>
//   free space            for the bundle twice over (its file and its extracted copy) on the
//                         filesystem of /var/lib/bundle (or of its nearest existing parent); once
//                         over when the bundle is already obtained, none once it is extracted
//
// Everything is looked up through a SystemView, so that a test with --root and a PATH of its own
// decides what is there; the kernel release and the free space are the machine's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "node/state.h"

namespace bundle::node {

struct SystemView {
    std::string root;            // "" for the real system
    std::string path;            // the PATH programs are found in
    std::string kernel_release;  // `uname -r`
    // Bytes free to an unprivileged user (statvfs f_bavail) on the filesystem of `directory`.
    std::function<Result<std::uint64_t>(const std::string& directory)> free_bytes;
};

// The running system: PATH from the environment, uname(2), statvfs(3).
SystemView system_view(const std::string& root);

// One line per thing missing ("nft: not found in PATH (Debian and Ubuntu package nftables)"),
// empty when the node has everything. `free_needed` is in bytes.
std::vector<std::string> missing_requirements(const SystemView& view, const StateDir& dir, std::uint64_t free_needed);

// The same as one Code::invalid_input error (exit 3) naming every line, or success.
Status preflight(const SystemView& view, const StateDir& dir, std::uint64_t free_needed);

}  // namespace bundle::node
