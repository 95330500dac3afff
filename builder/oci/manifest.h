// Parsing of the two documents a registry serves by /v2/<name>/manifests/<reference>: an image
// index (OCI index or Docker manifest list) and an image manifest (OCI or Docker v2). Only what
// the client needs is kept: descriptors (digest, size, media type), platforms and annotations.
//
// The input is hostile (any registry, any mirror): the parser never throws, and it accepts a
// descriptor only with a "sha256:" + 64 lowercase hex digest and a size that fits in 63 bits.
// The media type is the document's own "mediaType" when it has one, else the Content-Type the
// server sent, else guessed from the structure ("manifests" is an index, "config" a manifest),
// since OCI makes the field optional.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "spec/lock.h"

namespace bundle::oci {

struct Platform {
    std::string os;
    std::string architecture;
    std::string variant;
};

struct IndexEntry {
    spec::Descriptor descriptor;
    bool has_platform = false;
    Platform platform;
    std::map<std::string, std::string> annotations;
};

struct ImageIndex {
    std::vector<IndexEntry> manifests;
};

struct ImageManifest {
    spec::Descriptor config;
    std::vector<spec::Descriptor> layers;
};

struct ManifestDocument {
    std::string media_type;  // one of media_types.h
    bool is_index = false;
    ImageIndex index;        // when is_index
    ImageManifest manifest;  // otherwise
};

// Code::invalid_input naming `where` (the reference or URL) for anything that is not a valid
// schema 2 index or manifest.
Result<ManifestDocument> parse_manifest_document(std::string_view bytes,
                                                 std::string_view content_type,
                                                 const std::string& where);

// True for "sha256:" followed by 64 lowercase hex digits.
bool is_sha256_digest(std::string_view digest);

}  // namespace bundle::oci
