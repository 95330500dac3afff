// The peers of a WireGuard interface as the kernel knows them, read over generic netlink: what
// `wg show IFACE dump` prints, without wireguard-tools, which stock cloud images (Debian's and
// Ubuntu's) do not install; systemd-networkd configures WireGuard over the same netlink family
// and shows no handshakes (networkctl, systemd 252). Seen in the VM tests (issue 13): status
// said "unknown: `wg` is not installed" on every node.
//
// The protocol is the kernel's include/uapi/linux/wireguard.h: resolve the family "wireguard"
// through the generic netlink controller (CTRL_CMD_GETFAMILY), then ask WG_CMD_GET_DEVICE with
// NLM_F_DUMP and WGDEVICE_A_IFNAME. The answer is one or more messages, each holding
// WGDEVICE_A_PEERS, a nest of peers, each a nest of WGPEER_A_* attributes. A peer with many
// allowed IPs can continue in the next message with its public key repeated (the kernel's
// netlink.c, get_peer / wg_get_device_dump): peers are merged by key. Asking needs
// CAP_NET_ADMIN (the family's GENL_UNS_ADMIN_PERM), as `wg show` does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"

namespace bundle::node {

struct WireguardPeer {
    std::string public_key;           // base64, as wg and networkd's .netdev files write it
    std::int64_t last_handshake = 0;  // seconds since the epoch (the kernel's wall clock); 0: never
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
};

// Reads the peers of `interface` from the kernel; a dump that the kernel marks interrupted (the
// peers changed while it was read, NLM_F_DUMP_INTR) is asked again, up to three times. Errors
// name the interface: not a name, no WireGuard in the kernel, no such interface, not permitted.
Result<std::vector<WireguardPeer>> read_wireguard_peers(const std::string& interface);

// What status reads the peers with: read_wireguard_peers, or a test's stand-in.
using WireguardReader = std::function<Result<std::vector<WireguardPeer>>(const std::string& interface)>;

// Adds the peers in one WG_CMD_GET_DEVICE reply's attributes (the bytes after the genlmsghdr) to
// `peers`, merging a peer continued from the previous message. False when an attribute's length
// runs past the message (a malformed reply).
bool add_device_peers(const unsigned char* attributes, std::size_t size, std::vector<WireguardPeer>& peers);

}  // namespace bundle::node
