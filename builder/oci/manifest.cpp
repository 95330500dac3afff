#include "oci/manifest.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "oci/media_types.h"
#include "spec/lock_values.h"

namespace bundle::oci {
namespace {

using nlohmann::json;

// A manifest is a few levels deep; refusing deeper input keeps a hostile document from costing
// recursion in the JSON library.
constexpr int max_depth = 32;

bool nesting_within_limit(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

Error bad(const std::string& where, const std::string& message) {
    return Error{Code::invalid_input, where, message};
}

std::optional<std::string> string_member(const json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return std::nullopt;
    return it->get<std::string>();
}

Result<spec::Descriptor> parse_descriptor(const json& value, const std::string& where,
                                          const std::string& what) {
    if (!value.is_object())
        return bad(where, what + " is not a JSON object");
    spec::Descriptor descriptor;
    auto digest = string_member(value, "digest");
    if (!digest || !is_sha256_digest(*digest))
        return bad(where, what + " has no digest of the form sha256:<64 lowercase hex digits>");
    descriptor.digest = *digest;
    auto size = value.find("size");
    if (size == value.end() || !size->is_number_integer() ||
        (size->is_number_unsigned()
             ? size->get<std::uint64_t>() >
                   static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
             : size->get<std::int64_t>() < 0))
        return bad(where, what + " has no valid size");
    descriptor.size = size->is_number_unsigned()
                          ? size->get<std::uint64_t>()
                          : static_cast<std::uint64_t>(size->get<std::int64_t>());
    auto type = value.find("mediaType");
    if (type != value.end()) {
        if (!type->is_string())
            return bad(where, what + " has a mediaType that is not a string");
        descriptor.media_type = type->get<std::string>();
    }
    return descriptor;
}

Result<ImageIndex> parse_index(const json& document, const std::string& where) {
    auto list = document.find("manifests");
    if (list == document.end() || !list->is_array())
        return bad(where, "the index has no \"manifests\" list");
    ImageIndex index;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const json& item = (*list)[i];
        std::string what = "manifests[" + std::to_string(i) + "]";
        auto descriptor = parse_descriptor(item, where, what);
        if (!descriptor)
            return std::move(descriptor).error();
        IndexEntry entry;
        entry.descriptor = std::move(*descriptor);
        if (auto platform = item.find("platform"); platform != item.end()) {
            if (!platform->is_object())
                return bad(where, what + ".platform is not an object");
            auto os = string_member(*platform, "os");
            auto arch = string_member(*platform, "architecture");
            if (!os || !arch)
                return bad(where, what + ".platform lacks os or architecture");
            entry.has_platform = true;
            entry.platform = Platform{*os, *arch, string_member(*platform, "variant").value_or("")};
        }
        if (auto annotations = item.find("annotations"); annotations != item.end()) {
            if (!annotations->is_object())
                return bad(where, what + ".annotations is not an object");
            for (const auto& [key, value] : annotations->items()) {
                if (!value.is_string())
                    return bad(where, what + ".annotations." + key + " is not a string");
                entry.annotations.emplace(key, value.get<std::string>());
            }
        }
        index.manifests.push_back(std::move(entry));
    }
    return index;
}

// Config and layer descriptors go into the lock, whose parser insists on a media type; one the
// lock could not read back is refused here, when `bundle lock` can still say which.
Status check_blob_media_type(const spec::Descriptor& descriptor, const std::string& where,
                             const std::string& what) {
    if (spec::is_media_type(descriptor.media_type))
        return {};
    return bad(where, what + (descriptor.media_type.empty()
                                  ? std::string(" has no mediaType")
                                  : " has a mediaType that is not type/subtype: \"" +
                                        descriptor.media_type + "\""));
}

Result<ImageManifest> parse_manifest(const json& document, const std::string& where) {
    auto config = document.find("config");
    if (config == document.end())
        return bad(where, "the manifest has no config");
    auto descriptor = parse_descriptor(*config, where, "config");
    if (!descriptor)
        return std::move(descriptor).error();
    BUNDLE_TRY(check_blob_media_type(*descriptor, where, "config"));
    ImageManifest manifest;
    manifest.config = std::move(*descriptor);
    auto layers = document.find("layers");
    if (layers == document.end() || !layers->is_array())
        return bad(where, "the manifest has no \"layers\" list");
    for (std::size_t i = 0; i < layers->size(); ++i) {
        std::string what = "layers[" + std::to_string(i) + "]";
        auto layer = parse_descriptor((*layers)[i], where, what);
        if (!layer)
            return std::move(layer).error();
        BUNDLE_TRY(check_blob_media_type(*layer, where, what));
        manifest.layers.push_back(std::move(*layer));
    }
    return manifest;
}

// The document's type: its own mediaType, else the server's Content-Type, else its shape.
Result<std::string> document_type(const json& document, std::string_view content_type,
                                  const std::string& where) {
    if (auto own = document.find("mediaType"); own != document.end()) {
        if (!own->is_string())
            return bad(where, "mediaType is not a string");
        return own->get<std::string>();
    }
    std::string_view header = content_type.substr(0, content_type.find(';'));
    while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
    if (media_type::is_index(header) || media_type::is_manifest(header))
        return std::string(header);
    if (document.contains("manifests"))
        return std::string(media_type::oci_index);
    if (document.contains("config"))
        return std::string(media_type::oci_manifest);
    return bad(where, "the document is neither an image index nor an image manifest");
}

Result<ManifestDocument> parse_document(std::string_view bytes, std::string_view content_type,
                                        const std::string& where) {
    if (!nesting_within_limit(bytes))
        return bad(where, "the manifest is nested too deeply");
    json document = json::parse(bytes, nullptr, false);
    if (document.is_discarded() || !document.is_object())
        return bad(where, "the manifest is not a JSON object");
    auto schema = document.find("schemaVersion");
    if (schema == document.end() || !schema->is_number_integer())
        return bad(where, "the manifest has no schemaVersion");
    if (*schema != 2)
        return bad(where, "manifest schemaVersion " + schema->dump() +
                              " is not supported (only schema 2: OCI or Docker v2)");
    auto type = document_type(document, content_type, where);
    if (!type)
        return std::move(type).error();
    ManifestDocument result;
    result.media_type = std::move(*type);
    if (media_type::is_index(result.media_type)) {
        result.is_index = true;
        auto index = parse_index(document, where);
        if (!index)
            return std::move(index).error();
        result.index = std::move(*index);
    } else if (media_type::is_manifest(result.media_type)) {
        auto manifest = parse_manifest(document, where);
        if (!manifest)
            return std::move(manifest).error();
        result.manifest = std::move(*manifest);
    } else {
        return bad(where, "unsupported manifest media type \"" + result.media_type + "\"");
    }
    return result;
}

}  // namespace

bool is_sha256_digest(std::string_view digest) {
    constexpr std::string_view prefix = "sha256:";
    if (digest.size() != prefix.size() + 64 || digest.substr(0, prefix.size()) != prefix)
        return false;
    for (char c : digest.substr(prefix.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

Result<ManifestDocument> parse_manifest_document(std::string_view bytes,
                                                 std::string_view content_type,
                                                 const std::string& where) {
    try {
        return parse_document(bytes, content_type, where);
    } catch (const nlohmann::json::exception& e) {
        return bad(where, std::string("the manifest is malformed: ") + e.what());
    }
}

}  // namespace bundle::oci
