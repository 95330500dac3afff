#include "node/wireguard_peers.h"

#include <linux/genetlink.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "core/fd.h"
#include "sign/base64.h"

namespace bundle::node {
namespace {

// A dump reply is at most a page or two (NLMSG_GOODSIZE); a larger one is reported, not cut.
constexpr std::size_t kReceiveBuffer = 64 * 1024;

struct Attribute {
    std::uint16_t type;  // flags (NLA_F_NESTED) masked off
    const unsigned char* data;
    std::size_t size;
};

// Calls visit(attribute) for each attribute in [data, data + size) until it returns false.
// False when visit did, or when an attribute's length runs past the end.
template <class Visit>
bool for_each_attribute(const unsigned char* data, std::size_t size, Visit&& visit) {
    std::size_t offset = 0;
    while (offset < size && size - offset >= NLA_HDRLEN) {
        nlattr header{};
        std::memcpy(&header, data + offset, sizeof header);
        if (header.nla_len < NLA_HDRLEN || header.nla_len > size - offset) return false;
        Attribute attribute{static_cast<std::uint16_t>(header.nla_type & NLA_TYPE_MASK), data + offset + NLA_HDRLEN,
                            header.nla_len - std::size_t{NLA_HDRLEN}};
        if (!visit(attribute)) return false;
        offset += NLA_ALIGN(header.nla_len);  // past the end only by the last one's padding
    }
    return true;
}

template <class T>
bool read_value(const Attribute& attribute, T& value) {
    if (attribute.size < sizeof value) return false;
    std::memcpy(&value, attribute.data, sizeof value);
    return true;
}

// One peer's nest. A continued peer (same key as the last one) carries only its key and allowed
// IPs: only what is present replaces what the first part said.
bool add_peer(const Attribute& nest, std::vector<WireguardPeer>& peers) {
    WireguardPeer peer;
    bool has_key = false, has_handshake = false, has_rx = false, has_tx = false;
    bool well_formed = for_each_attribute(nest.data, nest.size, [&](const Attribute& a) {
        switch (a.type) {
            case WGPEER_A_PUBLIC_KEY:
                if (a.size != WG_KEY_LEN) return false;
                peer.public_key = sign::base64_encode(a.data, a.size);
                return has_key = true;
            case WGPEER_A_LAST_HANDSHAKE_TIME: {
                std::int64_t seconds = 0;  // struct __kernel_timespec's tv_sec comes first
                if (!read_value(a, seconds)) return false;
                peer.last_handshake = seconds;
                return has_handshake = true;
            }
            case WGPEER_A_RX_BYTES:
                return has_rx = read_value(a, peer.rx_bytes);
            case WGPEER_A_TX_BYTES:
                return has_tx = read_value(a, peer.tx_bytes);
            default:
                return true;
        }
    });
    if (!well_formed || !has_key) return false;
    if (peers.empty() || peers.back().public_key != peer.public_key) {
        peers.push_back(peer);
        return true;
    }
    WireguardPeer& known = peers.back();
    if (has_handshake) known.last_handshake = peer.last_handshake;
    if (has_rx) known.rx_bytes = peer.rx_bytes;
    if (has_tx) known.tx_bytes = peer.tx_bytes;
    return true;
}

// A generic netlink request: header, genlmsghdr, one NUL-terminated string attribute.
std::vector<unsigned char> request(std::uint16_t type, std::uint16_t flags, std::uint8_t command, std::uint8_t version,
                                   std::uint16_t attribute, const std::string& value) {
    std::size_t attribute_size = NLA_HDRLEN + value.size() + 1;
    std::size_t total = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(attribute_size);
    std::vector<unsigned char> message(total, 0);
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(total);
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    std::memcpy(message.data(), &header, sizeof header);
    genlmsghdr generic{};
    generic.cmd = command;
    generic.version = version;
    std::memcpy(message.data() + NLMSG_HDRLEN, &generic, sizeof generic);
    nlattr attr{};
    attr.nla_len = static_cast<std::uint16_t>(attribute_size);
    attr.nla_type = attribute;
    std::memcpy(message.data() + NLMSG_HDRLEN + GENL_HDRLEN, &attr, sizeof attr);
    std::memcpy(message.data() + NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN, value.data(), value.size());
    return message;
}

class GenericNetlink {
public:
    explicit GenericNetlink(std::string where) : where_(std::move(where)) {}

    Status open() {
        fd_ = UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC));
        if (fd_.get() < 0) return system_error(Code::io, where_, "cannot open a generic netlink socket", errno);
        sockaddr_nl local{};
        local.nl_family = AF_NETLINK;
        if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
            return system_error(Code::io, where_, "cannot bind a generic netlink socket", errno);
        timeval limit{5, 0};  // the kernel answers at once; this only bounds a surprise
        if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0)
            return system_error(Code::io, where_, "cannot set a netlink receive timeout", errno);
        return {};
    }

    // How an exchange ended: the kernel's errno (0 for none), and whether a dump was interrupted
    // by a change of what it lists (NLM_F_DUMP_INTR: its replies may miss or repeat an entry).
    struct Outcome {
        int error = 0;
        bool interrupted = false;
    };

    // Sends `message` and hands each reply's genetlink payload (after the genlmsghdr) to
    // on_reply, until the dump's NLMSG_DONE, or after the one reply of a plain request.
    template <class OnReply>
    Result<Outcome> exchange(std::vector<unsigned char> message, bool dump, OnReply&& on_reply) {
        std::uint32_t seq = ++seq_;
        nlmsghdr header{};
        std::memcpy(&header, message.data(), sizeof header);
        header.nlmsg_seq = seq;
        std::memcpy(message.data(), &header, sizeof header);
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        ssize_t sent = ::sendto(fd_.get(), message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                                sizeof kernel);
        if (sent != static_cast<ssize_t>(message.size()))
            return system_error(Code::io, where_, "cannot ask the kernel over netlink", errno);
        std::vector<unsigned char> buffer(kReceiveBuffer);
        Outcome outcome;
        for (;;) {
            ssize_t got = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_TRUNC);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return system_error(Code::io, where_, "no answer from the kernel over netlink", errno);
            if (static_cast<std::size_t>(got) > buffer.size())
                return Error{Code::internal, where_, "a netlink reply larger than " + std::to_string(kReceiveBuffer) + " bytes"};
            auto ended = walk(buffer.data(), static_cast<std::size_t>(got), seq, dump, on_reply, outcome);
            if (!ended) return std::move(ended).error();
            if (*ended) return outcome;
        }
    }

private:
    // True when the exchange is over (outcome says how), false when more replies are to come.
    template <class OnReply>
    Result<bool> walk(const unsigned char* data, std::size_t size, std::uint32_t seq, bool dump, OnReply& on_reply,
                      Outcome& outcome) {
        std::size_t offset = 0;
        while (offset < size && size - offset >= NLMSG_HDRLEN) {
            nlmsghdr header{};
            std::memcpy(&header, data + offset, sizeof header);
            if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > size - offset)
                return Error{Code::internal, where_, "a malformed netlink reply"};
            const unsigned char* payload = data + offset + NLMSG_HDRLEN;
            std::size_t payload_size = header.nlmsg_len - NLMSG_HDRLEN;
            offset += NLMSG_ALIGN(header.nlmsg_len);
            if (header.nlmsg_seq != seq) continue;
            if ((header.nlmsg_flags & NLM_F_DUMP_INTR) != 0) outcome.interrupted = true;
            if (header.nlmsg_type == NLMSG_DONE || header.nlmsg_type == NLMSG_ERROR) {
                // Both start with an int: 0, or minus the errno (a dump that failed midway says so
                // in its NLMSG_DONE).
                int error = 0;
                if (payload_size >= sizeof error) std::memcpy(&error, payload, sizeof error);
                outcome.error = error < 0 ? -error : error;
                return true;
            }
            if (header.nlmsg_type < NLMSG_MIN_TYPE) continue;  // NLMSG_NOOP, NLMSG_OVERRUN
            if (payload_size < GENL_HDRLEN || !on_reply(payload + GENL_HDRLEN, payload_size - GENL_HDRLEN))
                return Error{Code::internal, where_, "a malformed netlink reply"};
            if (!dump) return true;
        }
        return false;
    }

    std::string where_;
    UniqueFd fd_;
    std::uint32_t seq_ = 0;
};

Result<std::uint16_t> wireguard_family(GenericNetlink& netlink, const std::string& where) {
    std::uint16_t family = 0;
    auto answered = netlink.exchange(
        request(GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME), false,
        [&](const unsigned char* attributes, std::size_t size) {
            return for_each_attribute(attributes, size, [&](const Attribute& a) {
                return a.type != CTRL_ATTR_FAMILY_ID || read_value(a, family);
            });
        });
    if (!answered) return std::move(answered).error();
    if (answered->error == ENOENT) return Error{Code::io, where, "the kernel has no WireGuard (its module is not loaded)"};
    if (answered->error != 0) return system_error(Code::io, where, "cannot find WireGuard's netlink family", answered->error);
    if (family == 0) return Error{Code::internal, where, "the netlink controller named no family id for WireGuard"};
    return family;
}

}  // namespace

bool add_device_peers(const unsigned char* attributes, std::size_t size, std::vector<WireguardPeer>& peers) {
    return for_each_attribute(attributes, size, [&](const Attribute& device) {
        if (device.type != WGDEVICE_A_PEERS) return true;
        return for_each_attribute(device.data, device.size, [&](const Attribute& nest) { return add_peer(nest, peers); });
    });
}

Result<std::vector<WireguardPeer>> read_wireguard_peers(const std::string& interface) {
    if (interface.empty() || interface.size() >= IFNAMSIZ)
        return Error{Code::invalid_input, interface, "not an interface name (1 to 15 bytes)"};
    GenericNetlink netlink(interface);
    BUNDLE_TRY(netlink.open());
    auto family = wireguard_family(netlink, interface);
    if (!family) return std::move(family).error();
    // A dump interrupted by a change of the peers (the mesh being configured) is asked again.
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
        std::vector<WireguardPeer> peers;
        auto answered = netlink.exchange(
            request(*family, NLM_F_REQUEST | NLM_F_DUMP, WG_CMD_GET_DEVICE, WG_GENL_VERSION, WGDEVICE_A_IFNAME, interface),
            true, [&](const unsigned char* attributes, std::size_t size) { return add_device_peers(attributes, size, peers); });
        if (!answered) return std::move(answered).error();
        switch (answered->error) {
            case 0:
                if (!answered->interrupted) return peers;
                if (attempt < kAttempts) continue;
                return Error{Code::io, interface, "its peers kept changing while being read; ask again"};
            case ENODEV:
                return Error{Code::io, interface, "no such interface"};
            case EOPNOTSUPP:
                return Error{Code::io, interface, "not a WireGuard interface"};
            case EPERM:
                return Error{Code::io, interface, "reading its peers needs root (CAP_NET_ADMIN)"};
            default:
                return system_error(Code::io, interface, "the kernel refused to show its peers", answered->error);
        }
    }
}

}  // namespace bundle::node
