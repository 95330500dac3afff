#include "format/index.h"

#include <nlohmann/json.hpp>
#include <set>

#include "format/member_path.h"

namespace bundle::format {
namespace {

using nlohmann::json;

Error bad(const std::string& where, const std::string& message) {
    return Error{Code::structure, std::string(kIndexName) + (where.empty() ? "" : " " + where),
                 message};
}

// nlohmann parses recursively; an index is four levels deep, so refuse deep nesting before
// parsing rather than trust the parser with a hostile stack depth.
bool nesting_within(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

Status expect_keys(const json& object, std::initializer_list<const char*> keys,
                   const std::string& where) {
    std::set<std::string> allowed(keys.begin(), keys.end());
    for (const auto& [key, value] : object.items())
        if (!allowed.count(key)) return bad(where, "unknown key '" + key + "'");
    for (const char* key : keys)
        if (!object.contains(key)) return bad(where, std::string("missing key '") + key + "'");
    return {};
}

// Modes are "0" and three octal digits: a bundle never carries setuid, setgid or sticky bits.
Result<std::uint32_t> parse_mode(const json& value, const std::string& where) {
    if (!value.is_string()) return bad(where, "mode is not a string");
    const std::string& text = value.get_ref<const std::string&>();
    std::uint64_t mode = 0;
    if (text.size() != 4 || !parse_octal(text, mode))
        return bad(where, "mode '" + text + "' is not four octal digits");
    if (mode > 0777)
        return Error{Code::unsafe_path, where,
                     "mode '" + text + "' has a setuid, setgid or sticky bit; bundles never carry them"};
    return static_cast<std::uint32_t>(mode);
}

Result<std::uint64_t> parse_uint(const json& value, const char* key, const std::string& where) {
    if (!value.is_number_unsigned()) return bad(where, std::string(key) + " is not an unsigned integer");
    return value.get<std::uint64_t>();
}

Result<Member> parse_member(const json& item, std::uint64_t chunk_size, std::size_t position) {
    std::string where = "member " + std::to_string(position);
    if (!item.is_object()) return bad(where, "is not an object");
    BUNDLE_TRY(expect_keys(item, {"path", "kind", "mode", "size", "offset", "compression", "chunks"},
                           where));
    Member member;
    if (!item["path"].is_string()) return bad(where, "path is not a string");
    member.path = item["path"].get<std::string>();
    BUNDLE_TRY(check_member_path(member.path));
    where = "member '" + member.path + "'";
    if (member.path == kIndexName || member.path == kSignatureName)
        return bad(where, "uses a reserved name");

    const json& kind = item["kind"];
    if (kind == "file") member.kind = Kind::file;
    else if (kind == "directory") member.kind = Kind::directory;
    else return Error{Code::unsafe_path, member.path, "kind " + kind.dump() + " is not file or directory"};

    auto mode = parse_mode(item["mode"], where);
    if (!mode) return std::move(mode).error();
    member.mode = *mode;
    auto size = parse_uint(item["size"], "size", where);
    if (!size) return std::move(size).error();
    member.size = *size;
    // Keeps chunk_count() and padded() from wrapping. Offsets cannot wrap either: the index is at
    // most kMaxIndexBytes, so it lists at most ~1M chunk digests of at most kMaxChunkSize each.
    if (member.size > kMaxMemberSize) return bad(where, "size " + std::to_string(member.size) + " is out of range");
    auto offset = parse_uint(item["offset"], "offset", where);
    if (!offset) return std::move(offset).error();
    member.offset = *offset;
    if (item["compression"] != "none") return bad(where, "unsupported compression " + item["compression"].dump());
    if (member.kind == Kind::directory && member.size != 0) return bad(where, "directory with a size");

    const json& chunks = item["chunks"];
    if (!chunks.is_array()) return bad(where, "chunks is not a list");
    if (chunks.size() != chunk_count(member.size, chunk_size))
        return bad(where, "has " + std::to_string(chunks.size()) + " chunk digests for " +
                              std::to_string(member.size) + " bytes");
    member.chunks.reserve(chunks.size());
    for (const json& chunk : chunks) {
        auto digest = chunk.is_string() ? hash::sha256_from_hex(chunk.get_ref<const std::string&>())
                                        : std::nullopt;
        if (!digest) return bad(where, "chunk digest is not 64 lowercase hex digits");
        member.chunks.push_back(*digest);
    }
    return member;
}

// Paths strictly ascending (so unique), each parent a directory listed earlier.
Status check_tree(const std::vector<Member>& members) {
    std::set<std::string_view> directories;
    for (std::size_t i = 0; i < members.size(); ++i) {
        const Member& m = members[i];
        if (i > 0 && !(members[i - 1].path < m.path))
            return bad("member '" + m.path + "'", members[i - 1].path == m.path
                                                       ? "is listed twice"
                                                       : "is out of order");
        std::string_view parent = parent_of(m.path);
        if (!parent.empty() && !directories.count(parent))
            return bad("member '" + m.path + "'", "has no directory entry for its parent");
        if (m.kind == Kind::directory) directories.insert(m.path);
    }
    return {};
}

Result<Index> parse_index_json(const json& root) {
    if (!root.is_object()) return bad("", "is not a JSON object");
    BUNDLE_TRY(expect_keys(root, {"format", "name", "version", "arch", "created", "chunk_size", "members"}, ""));
    Index index;
    if (root["format"] != kFormatVersion)
        return bad("", "format " + root["format"].dump() + " is not supported (this bundle reads " +
                           std::to_string(kFormatVersion) + ")");
    if (!root["name"].is_string() || !root["arch"].is_string())
        return bad("", "name and arch must be strings");
    index.name = root["name"].get<std::string>();
    index.arch = root["arch"].get<std::string>();
    auto version = parse_uint(root["version"], "version", "");
    if (!version) return std::move(version).error();
    index.version = *version;
    auto created = parse_uint(root["created"], "created", "");
    if (!created) return std::move(created).error();
    if (*created > static_cast<std::uint64_t>(kMaxCreated)) return bad("", "creation time out of range");
    index.created = static_cast<std::int64_t>(*created);
    auto chunk_size = parse_uint(root["chunk_size"], "chunk_size", "");
    if (!chunk_size) return std::move(chunk_size).error();
    index.chunk_size = *chunk_size;
    BUNDLE_TRY(check_index_fields(index));
    if (!root["members"].is_array()) return bad("", "members is not a list");
    std::size_t position = 0;
    for (const json& item : root["members"]) {
        auto member = parse_member(item, index.chunk_size, position++);
        if (!member) return std::move(member).error();
        index.members.push_back(std::move(*member));
    }
    BUNDLE_TRY(check_tree(index.members));
    return index;
}

}  // namespace

Status check_index_fields(const Index& index) {
    auto all_of = [](std::string_view text, const char* allowed) {
        return text.find_first_not_of(allowed) == std::string_view::npos;
    };
    const char* lower = "abcdefghijklmnopqrstuvwxyz0123456789";
    if (index.name.empty() || index.name.size() > 63 || !all_of(index.name.substr(0, 1), lower) ||
        !all_of(index.name, "abcdefghijklmnopqrstuvwxyz0123456789._-"))
        return bad("", "name is not [a-z0-9][a-z0-9._-]* of at most 63 characters");
    if (index.arch.empty() || index.arch.size() > 16 || !all_of(index.arch, "abcdefghijklmnopqrstuvwxyz0123456789_"))
        return bad("", "arch is not [a-z0-9_]+ of at most 16 characters");
    if (index.created < 0 || index.created > kMaxCreated)
        return bad("", "creation time " + std::to_string(index.created) + " is outside 0.." +
                           std::to_string(kMaxCreated) + " (seconds, not milliseconds)");
    if (index.chunk_size < kMinChunkSize || index.chunk_size > kMaxChunkSize ||
        (index.chunk_size & (index.chunk_size - 1)) != 0)
        return bad("", "chunk_size " + std::to_string(index.chunk_size) + " is not a power of two in range");
    return {};
}

std::uint64_t payload_size(const Index& index) {
    std::uint64_t total = 0;
    for (const Member& m : index.members) total += m.size;
    return total;
}

const char* kind_name(Kind kind) { return kind == Kind::directory ? "directory" : "file"; }

std::string mode_string(std::uint32_t mode) {
    std::string out = "0000";
    for (int i = 3; i >= 0; --i, mode >>= 3) out[static_cast<std::size_t>(i)] = static_cast<char>('0' + (mode & 7));
    return out;
}

std::string serialize_index(const Index& index) {
    std::string out = "{\"format\":" + std::to_string(index.format) +
                      ",\"name\":" + json(index.name).dump() +
                      ",\"version\":" + std::to_string(index.version) +
                      ",\"arch\":" + json(index.arch).dump() +
                      ",\"created\":" + std::to_string(index.created) +
                      ",\"chunk_size\":" + std::to_string(index.chunk_size) + ",\"members\":[";
    for (std::size_t i = 0; i < index.members.size(); ++i) {
        const Member& m = index.members[i];
        out += i == 0 ? "\n" : ",\n";
        out += "{\"path\":" + json(m.path).dump() + ",\"kind\":\"" + kind_name(m.kind) +
               "\",\"mode\":\"" + mode_string(m.mode) + "\",\"size\":" + std::to_string(m.size) +
               ",\"offset\":" + std::to_string(m.offset) + ",\"compression\":\"none\",\"chunks\":[";
        for (std::size_t c = 0; c < m.chunks.size(); ++c) {
            if (c > 0) out += ',';
            out += '"' + hash::to_hex(m.chunks[c]) + '"';
        }
        out += "]}";
    }
    out += "\n]}\n";
    return out;
}

Result<Index> parse_index(std::string_view text) {
    if (!nesting_within(text, 4)) return bad("", "is nested too deeply");
    json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return bad("", "is not valid JSON");
    return parse_index_json(root);
}

}  // namespace bundle::format
