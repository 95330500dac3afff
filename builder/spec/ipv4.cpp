#include "spec/ipv4.h"

#include <array>

namespace bundle::spec {
namespace {

// A decimal number of 1..`max_digits` digits without a leading zero (but "0" itself).
std::optional<unsigned> strict_decimal(std::string_view text, std::size_t max_digits) {
    if (text.empty() || text.size() > max_digits || (text.size() > 1 && text.front() == '0'))
        return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    return value;
}

struct SpecialRange {
    std::uint32_t network;
    int prefix;
    const char* what;
};

constexpr std::uint32_t quad(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

// The ranges a node's public address must not fall in (RFC 6890's registry, minus the
// documentation ranges, which examples use). The first match names the range in the message.
constexpr std::array<SpecialRange, 10> not_public{{
    {quad(255, 255, 255, 255), 32, "the limited broadcast address"},
    {quad(0, 0, 0, 0), 8, "0.0.0.0/8, 'this network', not a host address"},
    {quad(10, 0, 0, 0), 8, "10.0.0.0/8, a private network (RFC 1918)"},
    {quad(100, 64, 0, 0), 10, "100.64.0.0/10, shared address space behind carrier-grade NAT"},
    {quad(127, 0, 0, 0), 8, "127.0.0.0/8, loopback"},
    {quad(169, 254, 0, 0), 16, "169.254.0.0/16, link-local"},
    {quad(172, 16, 0, 0), 12, "172.16.0.0/12, a private network (RFC 1918)"},
    {quad(192, 168, 0, 0), 16, "192.168.0.0/16, a private network (RFC 1918)"},
    {quad(224, 0, 0, 0), 4, "224.0.0.0/4, multicast"},
    {quad(240, 0, 0, 0), 4, "240.0.0.0/4, reserved"},
}};

// Where a private network (a WireGuard mesh, say) may take its addresses.
constexpr std::array<Ipv4Subnet, 4> private_ranges{{
    {quad(10, 0, 0, 0), 8},
    {quad(172, 16, 0, 0), 12},
    {quad(192, 168, 0, 0), 16},
    {quad(100, 64, 0, 0), 10},
}};

}  // namespace

std::optional<std::uint32_t> parse_ipv4(std::string_view text) {
    std::uint32_t address = 0;
    for (int part = 0; part < 4; ++part) {
        auto dot = text.find('.');
        if ((dot == std::string_view::npos) != (part == 3))
            return std::nullopt;
        auto value = strict_decimal(text.substr(0, dot), 3);
        if (!value || *value > 255)
            return std::nullopt;
        address = (address << 8) | *value;
        text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    }
    return address;
}

std::string format_ipv4(std::uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
           std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

std::uint32_t Ipv4Subnet::mask() const {
    return prefix <= 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
}

std::string Ipv4Subnet::to_string() const {
    return format_ipv4(network) + "/" + std::to_string(prefix);
}

std::variant<Ipv4Subnet, std::string> parse_ipv4_subnet(std::string_view text, int min_prefix,
                                                        int max_prefix) {
    auto slash = text.find('/');
    auto address = parse_ipv4(text.substr(0, slash));
    if (slash == std::string_view::npos || !address)
        return std::string("must be an IPv4 subnet written address/prefix, such as 10.6.0.0/24");
    auto prefix = strict_decimal(text.substr(slash + 1), 2);
    if (!prefix || static_cast<int>(*prefix) < min_prefix ||
        static_cast<int>(*prefix) > max_prefix) {
        return "must have a prefix length from " + std::to_string(min_prefix) + " to " +
               std::to_string(max_prefix);
    }
    Ipv4Subnet subnet{*address, static_cast<int>(*prefix)};
    if ((subnet.network & ~subnet.mask()) != 0) {
        subnet.network &= subnet.mask();
        return "has host bits set; the network address is " + subnet.to_string();
    }
    return subnet;
}

std::optional<std::string> ipv4_not_public(std::uint32_t address) {
    for (const SpecialRange& range : not_public) {
        if (Ipv4Subnet{range.network, range.prefix}.contains(address))
            return std::string(range.what);
    }
    return std::nullopt;
}

bool ipv4_is_private(const Ipv4Subnet& subnet) {
    for (const Ipv4Subnet& range : private_ranges) {
        if (range.contains(subnet))
            return true;
    }
    return false;
}

}  // namespace bundle::spec
