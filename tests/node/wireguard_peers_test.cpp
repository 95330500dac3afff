// Reading a WireGuard interface's peers from the kernel (node/wireguard_peers.h). The replies are
// built here the way the kernel's drivers/net/wireguard/netlink.c lays them out (read there, and
// in include/uapi/linux/wireguard.h): WGDEVICE_A_PEERS, a nest of peers each a nest (with
// NLA_F_NESTED set) of WGPEER_A_* attributes; a peer whose allowed IPs do not fit continues in
// the next message with only its public key and more allowed IPs. A live interface is read in
// the VM tests (tests/vm/cluster_scenarios.sh): this machine's kernel may have no WireGuard.
#include <catch2/catch.hpp>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#include <cstring>
#include <string>
#include <vector>

#include "node/wireguard_peers.h"

using namespace bundle;
using namespace bundle::node;

namespace {

// One netlink attribute, padded to 4 bytes.
std::string attribute(std::uint16_t type, const std::string& payload) {
    nlattr header{};
    header.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + payload.size());
    header.nla_type = type;
    std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
    bytes += payload;
    bytes.append(NLA_ALIGN(bytes.size()) - bytes.size(), '\0');
    return bytes;
}
std::string nest(std::uint16_t type, const std::string& children) { return attribute(type | NLA_F_NESTED, children); }
template <class T>
std::string value(T v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}
std::string key(char fill) { return std::string(WG_KEY_LEN, fill); }
std::string handshake(std::int64_t seconds) { return value(seconds) + value(std::int64_t{123456789}); }

std::vector<WireguardPeer> parse(const std::string& message, bool expect_ok = true) {
    std::vector<WireguardPeer> peers;
    bool ok = add_device_peers(reinterpret_cast<const unsigned char*>(message.data()), message.size(), peers);
    CHECK(ok == expect_ok);
    return peers;
}

// base64 of 32 bytes of 'A' (0x41) and of 'B'.
const std::string kKeyA = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=";
const std::string kKeyB = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

std::string allowed_ip() {
    return nest(0, attribute(WGALLOWEDIP_A_FAMILY, value(std::uint16_t{2})) + attribute(WGALLOWEDIP_A_IPADDR, "\x0a\x06\x00\x02") +
                       attribute(WGALLOWEDIP_A_CIDR_MASK, value(std::uint8_t{32})));
}

}  // namespace

TEST_CASE("wireguard: each peer's key, latest handshake and byte counts", "[node][wireguard]") {
    std::string peers = nest(0, attribute(WGPEER_A_PUBLIC_KEY, key('A')) + attribute(WGPEER_A_LAST_HANDSHAKE_TIME, handshake(1796406260)) +
                                    attribute(WGPEER_A_RX_BYTES, value(std::uint64_t{1000})) +
                                    attribute(WGPEER_A_TX_BYTES, value(std::uint64_t{2000})) + nest(WGPEER_A_ALLOWEDIPS, allowed_ip())) +
                        nest(1, attribute(WGPEER_A_PUBLIC_KEY, key('B')) + attribute(WGPEER_A_LAST_HANDSHAKE_TIME, handshake(0)));
    std::string message = attribute(WGDEVICE_A_IFINDEX, value(std::uint32_t{7})) + attribute(WGDEVICE_A_IFNAME, std::string("wg-mesh\0", 8)) +
                          attribute(WGDEVICE_A_LISTEN_PORT, value(std::uint16_t{51820})) + nest(WGDEVICE_A_PEERS, peers);
    auto read = parse(message);
    REQUIRE(read.size() == 2);
    CHECK(read[0].public_key == kKeyA);
    CHECK(read[0].last_handshake == 1796406260);
    CHECK(read[0].rx_bytes == 1000);
    CHECK(read[0].tx_bytes == 2000);
    CHECK(read[1].public_key == kKeyB);
    CHECK(read[1].last_handshake == 0);
}

TEST_CASE("wireguard: a peer continued in the next message is one peer", "[node][wireguard]") {
    std::vector<WireguardPeer> peers;
    std::string first = nest(WGDEVICE_A_PEERS, nest(0, attribute(WGPEER_A_PUBLIC_KEY, key('A')) +
                                                           attribute(WGPEER_A_LAST_HANDSHAKE_TIME, handshake(1796406260)) +
                                                           nest(WGPEER_A_ALLOWEDIPS, allowed_ip())));
    std::string continued = nest(WGDEVICE_A_PEERS, nest(0, attribute(WGPEER_A_PUBLIC_KEY, key('A')) + nest(WGPEER_A_ALLOWEDIPS, allowed_ip())) +
                                                           nest(1, attribute(WGPEER_A_PUBLIC_KEY, key('B'))));
    REQUIRE(add_device_peers(reinterpret_cast<const unsigned char*>(first.data()), first.size(), peers));
    REQUIRE(add_device_peers(reinterpret_cast<const unsigned char*>(continued.data()), continued.size(), peers));
    REQUIRE(peers.size() == 2);
    CHECK(peers[0].public_key == kKeyA);
    CHECK(peers[0].last_handshake == 1796406260);  // not reset by the continuation, which has none
    CHECK(peers[1].public_key == kKeyB);
}

TEST_CASE("wireguard: a device without peers has none", "[node][wireguard]") {
    CHECK(parse(attribute(WGDEVICE_A_IFNAME, std::string("wg-mesh\0", 8))).empty());
}

TEST_CASE("wireguard: malformed replies are refused, never read past", "[node][wireguard][security]") {
    std::string good = nest(WGDEVICE_A_PEERS, nest(0, attribute(WGPEER_A_PUBLIC_KEY, key('A'))));
    SECTION("an attribute longer than the message") {
        std::string cut = good.substr(0, good.size() - 4);
        parse(cut, false);
    }
    SECTION("a key that is not 32 bytes") {
        parse(nest(WGDEVICE_A_PEERS, nest(0, attribute(WGPEER_A_PUBLIC_KEY, std::string(31, 'A')))), false);
    }
    SECTION("a handshake time shorter than its integer") {
        parse(nest(WGDEVICE_A_PEERS, nest(0, attribute(WGPEER_A_PUBLIC_KEY, key('A')) + attribute(WGPEER_A_LAST_HANDSHAKE_TIME, "abc"))), false);
    }
    SECTION("a peer without its key") {
        parse(nest(WGDEVICE_A_PEERS, nest(0, attribute(WGPEER_A_LAST_HANDSHAKE_TIME, handshake(5)))), false);
    }
    SECTION("an attribute length below its header") {
        std::string bad = good;
        std::uint16_t two = 2;
        std::memcpy(bad.data(), &two, sizeof two);
        parse(bad, false);
    }
    SECTION("every truncation of a good reply") {
        for (std::size_t size = 0; size < good.size(); ++size) {
            std::vector<WireguardPeer> peers;
            (void)add_device_peers(reinterpret_cast<const unsigned char*>(good.data()), size, peers);
            CHECK(peers.size() <= 1);
        }
    }
}

TEST_CASE("wireguard: an interface the kernel does not have is an error naming it", "[node][wireguard]") {
    // Asks this machine's kernel for real: either it has no WireGuard at all, or no such interface.
    auto read = read_wireguard_peers("bundle-no-wg0");
    REQUIRE_FALSE(read);
    CHECK(read.error().where == "bundle-no-wg0");
    INFO(read.error().describe());
    // The kernel checks the permission before it looks the interface up (genetlink's
    // GENL_UNS_ADMIN_PERM): a test run without root hears that first.
    bool known = read.error().message == "the kernel has no WireGuard (its module is not loaded)" ||
                 read.error().message == "no such interface" ||
                 read.error().message == "reading its peers needs root (CAP_NET_ADMIN)";
    CHECK(known);
}

TEST_CASE("wireguard: a name no interface can have is refused before asking", "[node][wireguard]") {
    for (const std::string& name : {std::string(), std::string(16, 'w')}) {
        auto read = read_wireguard_peers(name);
        REQUIRE_FALSE(read);
        CHECK(read.error().code == Code::invalid_input);
        CHECK(read.error().message == "not an interface name (1 to 15 bytes)");
    }
}
