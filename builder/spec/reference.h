// An image reference as written in an image definition: [registry/]repository[:tag][@sha256:hex].
// Normalised as Docker does: no registry (the first component has no '.' or ':' and is not
// "localhost") means docker.io, and a single-component docker.io repository gets "library/".
// A reference must carry a tag or a digest or both; "latest" is never implied, since a pin that
// moves is no pin.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace bundle::spec {

struct ImageReference {
    std::string registry;    // "quay.io", "docker.io", "127.0.0.1:5000"
    std::string repository;  // "cilium/cilium", "library/nginx"
    std::optional<std::string> tag;
    std::optional<std::string> digest;  // "sha256:" + 64 lowercase hex

    // registry/repository[:tag][@digest], the name given to containerd
    // (io.containerd.image.name).
    std::string full() const;
    // What the registry is asked for: the digest when present, else the tag.
    std::string manifest_reference() const;
};

// Code::invalid_input naming the text when it is not a valid reference.
Result<ImageReference> parse_image_reference(std::string_view text);

}  // namespace bundle::spec
