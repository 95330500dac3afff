#include "format/tar_header.h"

#include <array>
#include <cstring>
#include <map>
#include <stdexcept>

namespace bundle::format {
namespace {

constexpr std::uint64_t kMaxUstarSize = 077777777777ULL;  // 11 octal digits

struct Field {
    std::size_t offset;
    std::size_t length;
};
constexpr Field kName{0, 100}, kMode{100, 8}, kUid{108, 8}, kGid{116, 8}, kSize{124, 12},
    kMtime{136, 12}, kChecksum{148, 8}, kType{156, 1}, kMagic{257, 6}, kVersion{263, 2},
    kUname{265, 32}, kGname{297, 32}, kDevMajor{329, 8}, kDevMinor{337, 8}, kPrefix{345, 155};

void put_text(std::string& block, Field field, std::string_view text) {
    if (text.empty()) return;
    std::memcpy(block.data() + field.offset, text.data(), std::min(text.size(), field.length));
}

// Zero-padded octal filling the field but its last byte, which stays NUL. Callers keep values in
// range (sizes past ustar's go to pax, times are bounded by the index rules): a value that does
// not fit is a bug, not an input error.
void put_octal(std::string& block, Field field, std::uint64_t value) {
    for (std::size_t i = field.length - 1; i-- > 0;) {
        block[field.offset + i] = static_cast<char>('0' + (value & 7));
        value >>= 3;
    }
    if (value != 0) throw std::length_error("tar header field overflow");
}

void put_checksum(std::string& block) {
    std::memset(block.data() + kChecksum.offset, ' ', kChecksum.length);
    std::uint64_t sum = 0;
    for (char c : block) sum += static_cast<unsigned char>(c);
    put_octal(block, Field{kChecksum.offset, 7}, sum);  // six digits and a NUL, then the space
}

std::string ustar_block(std::string_view prefix, std::string_view name, char type,
                        std::uint32_t mode, std::uint64_t size, std::int64_t mtime) {
    std::string block(kBlock, '\0');
    put_text(block, kName, name);
    put_octal(block, kMode, mode);
    put_octal(block, kUid, 0);
    put_octal(block, kGid, 0);
    put_octal(block, kSize, size);
    put_octal(block, kMtime, static_cast<std::uint64_t>(mtime));
    block[kType.offset] = type;
    put_text(block, kMagic, std::string_view("ustar\0", 6));
    put_text(block, kVersion, "00");
    put_text(block, kUname, "root");
    put_text(block, kGname, "root");
    put_octal(block, kDevMajor, 0);
    put_octal(block, kDevMinor, 0);
    put_text(block, kPrefix, prefix);
    put_checksum(block);
    return block;
}

// "<len> key=value\n" where <len> counts the whole record, its own digits included.
std::string pax_record(std::string_view key, std::string_view value) {
    std::size_t body = 1 + key.size() + 1 + value.size() + 1;  // " key=value\n"
    std::size_t length = body + 1;
    while (std::to_string(length).size() + body != length) length = std::to_string(length).size() + body;
    return std::to_string(length) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

// Splits `name` into ustar's prefix and name fields; false when it cannot be split.
bool split_ustar(std::string_view name, std::string_view& prefix, std::string_view& rest) {
    if (name.size() <= kName.length) {
        prefix = {};
        rest = name;
        return true;
    }
    for (std::size_t slash = name.find('/'); slash != std::string_view::npos;
         slash = name.find('/', slash + 1)) {
        if (slash <= kPrefix.length && name.size() - slash - 1 <= kName.length &&
            slash + 1 < name.size()) {
            prefix = name.substr(0, slash);
            rest = name.substr(slash + 1);
            return true;
        }
    }
    return false;
}

}  // namespace

std::string encode_header(const TarEntry& entry) {
    std::string name(entry.path);
    if (entry.kind == Kind::directory) name += '/';
    char type = entry.kind == Kind::directory ? '5' : '0';

    std::map<std::string, std::string> pax;  // sorted by key: one encoding for one entry
    std::string_view prefix, rest;
    if (!split_ustar(name, prefix, rest)) {
        pax["path"] = name;
        // The ustar name is then a readable stand-in that old tars show; pax readers ignore it.
        std::string_view base = entry.path.substr(entry.path.rfind('/') + 1);
        prefix = {};
        rest = base.substr(0, kName.length - 1);
    }
    std::uint64_t size = entry.size;
    if (size > kMaxUstarSize) {
        pax["size"] = std::to_string(size);
        size = 0;
    }
    std::string ustar = ustar_block(prefix, rest, type, entry.mode, size, entry.mtime);
    if (pax.empty()) return ustar;

    std::string records;
    for (const auto& [key, value] : pax) records += pax_record(key, value);
    std::string pax_name = "PaxHeaders/" + std::string(rest.substr(0, kName.length - 12));
    std::string header = ustar_block({}, pax_name, 'x', 0644, records.size(), entry.mtime);
    header += records;
    header.resize(padded(header.size()), '\0');
    return header + ustar;
}

bool parse_octal(std::string_view field, std::uint64_t& value) {
    value = 0;
    std::size_t i = 0;
    bool any = false;
    for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (value >> 61) return false;
        value = value << 3 | static_cast<std::uint64_t>(field[i] - '0');
        any = true;
    }
    if (!any) return false;
    for (; i < field.size(); ++i)
        if (field[i] != '\0' && field[i] != ' ') return false;
    return true;
}

}  // namespace bundle::format
