#include "spec/ssh_key.h"

#include <array>
#include <cstdint>
#include <vector>

#include "sign/base64.h"
#include "spec/yaml_error.h"

namespace bundle::spec {
namespace {

struct KeyType {
    std::string_view name;
    std::size_t strings;  // in the key blob, the name included
};

// The blob of each type is a series of SSH wire strings: the name, then the key's parts (an RSA
// exponent and modulus; an ECDSA curve and point; an Ed25519 point; a security key's
// application), so a key cut short or pasted twice fails to add up.
constexpr std::array<KeyType, 7> key_types{{
    {"ssh-ed25519", 2},
    {"ssh-rsa", 3},
    {"ecdsa-sha2-nistp256", 3},
    {"ecdsa-sha2-nistp384", 3},
    {"ecdsa-sha2-nistp521", 3},
    {"sk-ssh-ed25519@openssh.com", 3},
    {"sk-ecdsa-sha2-nistp256@openssh.com", 4},
}};

// The bytes of `text` when it is canonical base64 (padded, as ssh-keygen writes it), or nullopt.
std::optional<std::string> decode_base64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0)
        return std::nullopt;
    std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    return sign::base64_decode_exact(text, text.size() / 4 * 3 - padding);
}

// The SSH wire strings (each a big-endian 32-bit length, then the bytes) that `blob` consists
// of, or nullopt when the last one runs past its end.
std::optional<std::vector<std::string_view>> wire_strings(std::string_view blob) {
    std::vector<std::string_view> strings;
    while (!blob.empty()) {
        if (blob.size() < 4)
            return std::nullopt;
        std::uint32_t length = 0;
        for (int i = 0; i < 4; ++i) length = (length << 8) | static_cast<unsigned char>(blob[i]);
        if (length > blob.size() - 4)
            return std::nullopt;
        strings.push_back(blob.substr(4, length));
        blob.remove_prefix(4 + length);
    }
    return strings;
}

const KeyType* find_type(std::string_view name) {
    for (const KeyType& type : key_types) {
        if (type.name == name)
            return &type;
    }
    return nullptr;
}

std::string known_types() {
    std::string out;
    for (const KeyType& type : key_types) out += (out.empty() ? "" : ", ") + std::string(type.name);
    return out;
}

// Why the first word of a line is not a key type: most often something else was pasted.
std::string type_problem(std::string_view line, std::string_view type) {
    if (line.starts_with("-----BEGIN"))
        return "this is a PEM block (a private key?); give the public key, the line of the .pub "
               "file";
    if (type.starts_with("SHA256:") || type.starts_with("MD5:"))
        return "this is a key fingerprint; give the public key, the line of the .pub file";
    return "unknown key type " + quote_value(type) + " (expected one of: " + known_types() + ")";
}

std::optional<std::string> blob_problem(const KeyType& type, std::string_view base64) {
    if (base64.empty())
        return "the key type " + quote_value(type.name) + " is not followed by the base64 key";
    auto blob = decode_base64(base64);
    if (!blob)
        return std::string("the key is not valid base64 (cut short, wrapped or mistyped?)");
    auto strings = wire_strings(*blob);
    if (strings && !strings->empty() && strings->front() != type.name)
        return "the key data is not a " + quote_value(type.name) + " key (it is " +
               quote_value(strings->front()) + ")";
    bool ed25519_size = type.name != "ssh-ed25519" ||
                        (strings && !strings->empty() && strings->back().size() == 32);
    if (!strings || strings->size() != type.strings || !ed25519_size)
        return "the " + std::string(type.name) + " key data is cut short or damaged";
    return std::nullopt;
}

struct CodePoint {
    char32_t value;
    std::size_t size;  // in bytes
};

// The code point `text` starts with, or nullopt when it does not start with well-formed UTF-8
// (a stray continuation byte, a sequence cut short, an overlong form, a surrogate, or a value
// beyond U+10FFFF).
std::optional<CodePoint> first_code_point(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned lead = byte(0);
    if (lead < 0x80)
        return CodePoint{lead, 1};
    std::size_t size = lead >= 0xc2 && lead <= 0xdf   ? 2
                       : lead >= 0xe0 && lead <= 0xef ? 3
                       : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                      : 0;
    if (size == 0 || text.size() < size)
        return std::nullopt;
    char32_t value = lead & (0x7f >> size);
    for (std::size_t i = 1; i < size; ++i) {
        if ((byte(i) & 0xc0) != 0x80)
            return std::nullopt;
        value = (value << 6) | (byte(i) & 0x3f);
    }
    constexpr std::array<char32_t, 5> smallest{0, 0, 0x80, 0x800, 0x10000};
    if (value < smallest[size] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return std::nullopt;
    return CodePoint{value, size};
}

std::string code_point_name(char32_t value) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string name = "U+";
    for (int shift = value > 0xffff ? 20 : 12; shift >= 0; shift -= 4)
        name += hex[(value >> shift) & 0xf];
    return name;
}

// Why the characters of `line` cannot go into cloud-init's user-data, or nullopt when they can.
// PyYAML refuses a whole document that is not UTF-8 or holds a character YAML does not allow
// (C0 and C1 controls but tab, DEL, U+FFFE and U+FFFF), so one bad byte in a comment would leave
// every node without its configuration; and it reads NEL, U+2028 and U+2029 as line breaks.
std::optional<std::string> character_problem(std::string_view line) {
    if (line.find_first_of("\r\n") != std::string_view::npos)
        return std::string("a key must be on one line; this one has a line break inside");
    for (std::size_t i = 0; i < line.size();) {
        auto point = first_code_point(line.substr(i));
        if (!point)
            return "a key line must be valid UTF-8 (byte " + std::to_string(i + 1) +
                   " is not); cloud-init's YAML reader would refuse the nodes' whole user-data";
        const char32_t c = point->value;
        if (c == 0x85 || c == 0x2028 || c == 0x2029)
            return "a key must be on one line; this one has a line break inside (" +
                   code_point_name(c) + ", a line break to YAML 1.1)";
        if ((c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff)
            return "a key line must not contain control characters (found " + code_point_name(c) +
                   ")";
        i += point->size;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> ssh_public_key_problem(std::string_view line) {
    if (auto problem = character_problem(line))
        return problem;
    constexpr std::string_view blank = " \t";
    auto type_end = line.find_first_of(blank);
    std::string_view type = line.substr(0, type_end);
    const KeyType* known = find_type(type);
    if (known == nullptr)
        return type_problem(line, type);
    std::string_view rest = type_end == std::string_view::npos ? "" : line.substr(type_end);
    auto start = rest.find_first_not_of(blank);
    rest = start == std::string_view::npos ? "" : rest.substr(start);
    return blob_problem(*known, rest.substr(0, rest.find_first_of(blank)));
}

}  // namespace bundle::spec
