// Choosing one manifest of a multi-platform index for the bundle's architecture. Only
// linux/<arch> entries qualify. Attestation manifests (BuildKit's provenance and SBOM entries,
// platform unknown/unknown and a vnd.docker.reference.type annotation) are never chosen: they
// describe an image, they are not one. Among several variants of one architecture, the usual
// one wins: v8 for arm64, none (or v1) for amd64; then the first in index order.
#pragma once

#include <string>

#include "core/error.h"
#include "oci/manifest.h"

namespace bundle::oci {

bool is_attestation(const IndexEntry& entry);

// The chosen entry; Code::invalid_input naming `where` and listing the platforms the index
// offers when none is linux/<arch>.
Result<IndexEntry> choose_platform(const ImageIndex& index, const std::string& arch,
                                   const std::string& where);

}  // namespace bundle::oci
