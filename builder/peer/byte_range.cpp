#include "peer/byte_range.h"

#include <algorithm>
#include <charconv>

namespace bundle::peer {
namespace {

// Digits only, no sign, no space, no overflow.
std::optional<std::uint64_t> number(const std::string& text) {
    if (text.empty() || text.size() > 19)
        return std::nullopt;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

}  // namespace

RangeAnswer resolve_range(const std::optional<std::string>& header, std::uint64_t size) {
    RangeAnswer whole;
    if (!header)
        return whole;
    constexpr std::string_view kUnit = "bytes=";
    if (header->compare(0, kUnit.size(), kUnit) != 0)
        return whole;
    std::string spec = header->substr(kUnit.size());
    std::size_t dash = spec.find('-');
    if (dash == std::string::npos || spec.find_first_of(", ") != std::string::npos)
        return whole;
    std::string left = spec.substr(0, dash);
    std::string right = spec.substr(dash + 1);

    RangeAnswer answer;
    if (left.empty()) {  // "-n": the last n bytes
        auto suffix = number(right);
        if (!suffix)
            return whole;
        if (*suffix == 0 || size == 0)
            return RangeAnswer{RangeKind::unsatisfiable, {}};
        std::uint64_t length = std::min(*suffix, size);
        return RangeAnswer{RangeKind::partial, {size - length, length}};
    }
    auto first = number(left);
    if (!first)
        return whole;
    std::optional<std::uint64_t> last;
    if (!right.empty()) {
        last = number(right);
        if (!last || *last < *first)
            return whole;  // invalid syntax: ignored, per the RFC
    }
    if (*first >= size)
        return RangeAnswer{RangeKind::unsatisfiable, {}};
    std::uint64_t end = last ? std::min(*last, size - 1) : size - 1;
    return RangeAnswer{RangeKind::partial, {*first, end - *first + 1}};
}

std::string content_range(const ByteRange& range, std::uint64_t size) {
    return "bytes " + std::to_string(range.first) + "-" +
           std::to_string(range.first + range.length - 1) + "/" + std::to_string(size);
}

}  // namespace bundle::peer
