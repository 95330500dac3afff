// IPv4 addresses and subnets as a cluster definition writes them. Only the strict dotted quad is
// accepted ("10.6.0.1", not "10.6.1", "010.6.0.1" or "0x0a.6.0.1"): inet_aton's older forms read
// a leading zero as octal, so "010.6.0.1" would silently be 8.6.0.1 to one tool and 10.6.0.1 to
// another. Addresses are held as 32-bit numbers in host byte order.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace bundle::spec {

std::optional<std::uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(std::uint32_t address);

struct Ipv4Subnet {
    std::uint32_t network = 0;
    int prefix = 0;  // 0..32

    std::uint32_t mask() const;
    std::uint32_t broadcast() const { return network | ~mask(); }
    bool contains(std::uint32_t address) const { return (address & mask()) == network; }
    // Whether every address of `other` is in this subnet.
    bool contains(const Ipv4Subnet& other) const {
        return other.prefix >= prefix && contains(other.network);
    }
    // Whether the two subnets share an address: CIDR blocks are nested or disjoint, so they
    // overlap exactly when the wider one holds the other's network address.
    bool overlaps(const Ipv4Subnet& other) const {
        return contains(other.network) || other.contains(network);
    }
    // "network/prefix".
    std::string to_string() const;
};

// "a.b.c.d/n" with a prefix from `min_prefix` to `max_prefix` and no host bits set, or why not
// (a sentence naming the network address when only host bits are wrong).
std::variant<Ipv4Subnet, std::string> parse_ipv4_subnet(std::string_view text, int min_prefix,
                                                        int max_prefix);

// Why `address` cannot be a node's address on the internet (the special range it falls in, such
// as "10.0.0.0/8, a private network (RFC 1918)"), or nullopt when it is public unicast. The
// documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) are accepted on purpose:
// examples and tests use them.
std::optional<std::string> ipv4_not_public(std::uint32_t address);

// Whether `subnet` lies wholly inside private address space: one of RFC 1918's ranges
// (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or RFC 6598's shared space (100.64.0.0/10).
bool ipv4_is_private(const Ipv4Subnet& subnet);

}  // namespace bundle::spec
