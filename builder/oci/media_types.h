// The media types a registry answers with for the documents this client reads. Docker's v2
// schema 2 types and the OCI image-spec types describe the same structures (an index, or
// "manifest list", of per-platform manifests; a manifest of a config and layers), so both are
// accepted and treated alike. Docker's schema 1 (signed JSON without a config blob) is not.
#pragma once

#include <string_view>

namespace bundle::oci::media_type {

inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view docker_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";

// The Accept header of a manifest request: every type above, so that the registry returns an
// index unchanged instead of converting it to the one manifest it thinks we want.
inline constexpr std::string_view manifest_accept =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

inline bool is_index(std::string_view type) {
    return type == oci_index || type == docker_list;
}
inline bool is_manifest(std::string_view type) {
    return type == oci_manifest || type == docker_manifest;
}

}  // namespace bundle::oci::media_type
