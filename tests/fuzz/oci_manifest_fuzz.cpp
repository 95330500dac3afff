// Fuzz target: the registry client's parsers of hostile input, the manifest/index parser and the
// WWW-Authenticate parser. Whatever the bytes, they return (no crash, no exception, no sanitizer
// report), and what the manifest parser accepts holds only well-formed descriptors.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "oci/challenge.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/platform.h"

namespace {

void check(const bundle::spec::Descriptor& descriptor) {
    if (!bundle::oci::is_sha256_digest(descriptor.digest))
        std::abort();
    if (descriptor.size > static_cast<std::uint64_t>(INT64_MAX))
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)bundle::oci::parse_www_authenticate(text);
    auto document = bundle::oci::parse_manifest_document(text, "", "fuzz");
    if (!document)
        return 0;
    if (document->is_index) {
        if (!bundle::oci::media_type::is_index(document->media_type))
            std::abort();
        for (const auto& entry : document->index.manifests) check(entry.descriptor);
        (void)bundle::oci::choose_platform(document->index, "amd64", "fuzz");
    } else {
        if (!bundle::oci::media_type::is_manifest(document->media_type))
            std::abort();
        check(document->manifest.config);
        for (const auto& layer : document->manifest.layers) check(layer);
    }
    return 0;
}
