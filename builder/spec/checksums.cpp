#include "spec/checksums.h"

#include <optional>
#include <utility>

#include "spec/yaml_error.h"

namespace bundle::spec {
namespace {

constexpr std::size_t hex_length = 64;

// `text` lower-cased when it is exactly 64 hex digits.
std::optional<std::string> lower_hex(std::string_view text) {
    if (text.size() != hex_length)
        return std::nullopt;
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return std::nullopt;
    }
    return out;
}

// "<hex> <name>" or "<hex> *<name>" (two spaces in text mode: the second is part of the
// separator, not of the name).
std::optional<ChecksumLine> gnu_line(std::string_view line) {
    if (line.size() < hex_length + 2 || line[hex_length] != ' ')
        return std::nullopt;
    auto hex = lower_hex(line.substr(0, hex_length));
    char mode = line[hex_length + 1];
    if (!hex || (mode != ' ' && mode != '*'))
        return std::nullopt;
    std::string_view name = line.substr(hex_length + 2);
    if (name.empty())
        return std::nullopt;
    return ChecksumLine{std::string(name), std::move(*hex), 0};
}

// "SHA256 (<name>) = <hex>"
std::optional<ChecksumLine> bsd_line(std::string_view line) {
    constexpr std::string_view prefix = "SHA256 (";
    constexpr std::string_view middle = ") = ";
    if (!line.starts_with(prefix) || line.size() < prefix.size() + middle.size() + hex_length + 1)
        return std::nullopt;
    std::string_view tail = line.substr(line.size() - hex_length - middle.size());
    if (!tail.starts_with(middle))
        return std::nullopt;
    auto hex = lower_hex(tail.substr(middle.size()));
    std::string_view name =
        line.substr(prefix.size(), line.size() - prefix.size() - middle.size() - hex_length);
    if (!hex || name.empty())
        return std::nullopt;
    return ChecksumLine{std::string(name), std::move(*hex), 0};
}

}  // namespace

Result<std::vector<ChecksumLine>> parse_checksums(std::string_view text, const std::string& url) {
    std::vector<ChecksumLine> lines;
    std::string problems;
    int number = 0;
    while (!text.empty()) {
        ++number;
        auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos)
            continue;
        auto parsed = gnu_line(line);
        if (!parsed)
            parsed = bsd_line(line);
        if (!parsed) {
            if (!problems.empty())
                problems += '\n';
            problems += "line " + std::to_string(number) +
                        ": not a SHA-256 checksum line: " + quote_value(line);
            continue;
        }
        parsed->line = number;
        lines.push_back(std::move(*parsed));
    }
    if (!problems.empty())
        return Error{Code::invalid_input, url,
                     "malformed checksum file (expected '<64 hex digits>  <name>' or "
                     "'SHA256 (<name>) = <64 hex digits>'):\n" +
                         problems};
    return lines;
}

Result<std::string> find_checksum(std::string_view text, const std::string& file_name,
                                  const std::string& url) {
    auto lines = parse_checksums(text, url);
    if (!lines)
        return std::move(lines).error();
    const ChecksumLine* found = nullptr;
    for (const ChecksumLine& line : *lines) {
        if (line.name != file_name)
            continue;
        if (found != nullptr && found->sha256 != line.sha256) {
            return Error{Code::invalid_input, url,
                         quote_value(file_name) +
                             " is listed twice with different digests (lines " +
                             std::to_string(found->line) + " and " + std::to_string(line.line) +
                             "); refusing to choose"};
        }
        if (found == nullptr)
            found = &line;
    }
    if (found == nullptr)
        return Error{Code::invalid_input, url,
                     "the checksum file does not list " + quote_value(file_name) + " (it lists " +
                         std::to_string(lines->size()) + " files)"};
    return found->sha256;
}

}  // namespace bundle::spec
