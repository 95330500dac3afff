#include "format/inspect.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "sign/ed25519.h"

namespace bundle::format {
namespace {

// ISO 8601 in UTC, or the bare number of seconds for a time gmtime_r cannot represent (a signed
// index may say any 64-bit number; a year past 2^31 overflows struct tm).
std::string utc_time(std::int64_t seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    char text[32];
    if (gmtime_r(&t, &tm) == nullptr ||
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return std::to_string(seconds);
    return text;
}

std::string digest_summary(const Member& member) {
    if (member.kind == Kind::directory) return "";
    if (member.chunks.empty()) return "(empty)";
    if (member.chunks.size() == 1) return "sha256:" + hash::to_hex(member.chunks[0]);
    return std::to_string(member.chunks.size()) + " chunk digests";
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    if (unit == 0) std::snprintf(text, sizeof text, "%" PRIu64 " B", bytes);
    else std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

std::string describe_text(const OpenBundle& b) {
    const Index& index = b.index;
    std::uint64_t payload = payload_size(index);
    std::string out;
    out += "bundle     " + index.name + " version " + std::to_string(index.version) + " (" + index.arch + ")\n";
    out += "created    " + utc_time(index.created) + "\n";
    out += "file       " + b.path + " (" + human_size(b.file_size) + ")\n";
    out += "members    " + std::to_string(index.members.size()) + ", " + human_size(payload) + " of content\n";
    out += "signature  " + std::string(b.signature_checked ? "valid" : "not checked (give --pubkey to check it)") + "\n\n";
    for (const Member& m : index.members) {
        char line[512];
        std::snprintf(line, sizeof line, "%s %10s  %-9s %s%s  %s\n", mode_string(m.mode).c_str(),
                      m.kind == Kind::directory ? "-" : human_size(m.size).c_str(), kind_name(m.kind),
                      m.path.c_str(), m.kind == Kind::directory ? "/" : "", digest_summary(m).c_str());
        out += line;
    }
    return out;
}

nlohmann::json describe_json(const OpenBundle& b) {
    nlohmann::json members = nlohmann::json::array();
    for (const Member& m : b.index.members) {
        nlohmann::json chunks = nlohmann::json::array();
        for (const auto& c : m.chunks) chunks.push_back(hash::to_hex(c));
        members.push_back({{"path", m.path}, {"kind", kind_name(m.kind)}, {"mode", mode_string(m.mode)},
                           {"size", m.size}, {"offset", m.offset}, {"chunks", chunks}});
    }
    return {{"name", b.index.name},
            {"version", b.index.version},
            {"arch", b.index.arch},
            {"created", utc_time(b.index.created)},
            {"created_epoch", b.index.created},
            {"format", b.index.format},
            {"chunk_size", b.index.chunk_size},
            {"file", b.path},
            {"file_size", b.file_size},
            {"signature_checked", b.signature_checked},
            {"members", members}};
}

}  // namespace bundle::format
