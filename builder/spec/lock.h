// The lock (images/<name>.lock.yaml) records, for one image definition, every pin that
// `bundle lock` resolved: the exact URL, size and SHA-256 of each artifact, and for each
// container image the digest its reference resolved to, the manifest chosen for the image's
// platform, and every blob. It is machine-written and reviewed in diffs, so its text is a pure
// function of its content: fixed key order, artifacts sorted by name, images by group and then
// reference, blobs in manifest order (config first, then layers), no timestamps.
//
//   # Written by `bundle lock` from images/demo.yaml. Do not edit; run `bundle lock` again.
//   apiVersion: bundle/v1
//   kind: Lock
//   image: demo
//   artifacts:
//     - name: k3s
//       url: https://github.com/k3s-io/k3s/releases/download/v1.36.0%2Bk3s1/k3s
//       size: 73400320
//       sha256: <64 hex>
//       pin: checksums https://github.com/.../sha256sum-amd64.txt   # where the digest came from
//   images:
//     - group: cilium
//       reference: quay.io/cilium/cilium:v1.18.4
//       digest: sha256:<64 hex>                  # what the reference resolved to (index or manifest)
//       mediaType: application/vnd.oci.image.index.v1+json
//       size: 1234                               # of that top-level blob
//       manifest: {digest: sha256:<hex>, size: 1000, mediaType: ...}   # the chosen platform's
//       blobs:                                   # config, then layers
//         - {digest: sha256:<hex>, size: 900, mediaType: ...}
//
// When the reference is a single-platform manifest, `manifest` repeats the top-level
// descriptor. Parsing is as strict as for the definition (unknown keys, file:line:col), and a
// lock is also checked against its definition (check_lock_matches) before a --locked build uses
// anything.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "spec/image.h"

namespace bundle::spec {

struct LockedArtifact {
    std::string name;
    std::string url;     // as fetched upstream (before any mirror)
    std::uint64_t size = 0;
    std::string sha256;  // 64 lowercase hex digits
    std::string pin;     // where the pin came from: pin_source() of the artifact when locked

    bool operator==(const LockedArtifact&) const = default;
};

struct Descriptor {
    std::string digest;  // "sha256:" + 64 lowercase hex digits
    std::uint64_t size = 0;
    std::string media_type;

    bool operator==(const Descriptor&) const = default;
};

struct LockedImage {
    std::string group;
    std::string reference;  // as written in the definition
    Descriptor top;         // what the reference resolved to: an index or a manifest
    Descriptor manifest;    // the platform's manifest (== top for a single manifest)
    std::vector<Descriptor> blobs;  // config first, then layers in order

    bool operator==(const LockedImage&) const = default;
};

struct Lock {
    std::string image;  // the definition's name
    std::vector<LockedArtifact> artifacts;
    std::vector<LockedImage> images;

    bool operator==(const Lock&) const = default;
};

// Strict parsing, every mistake at once as file:line:col (Code::invalid_input).
Result<Lock> parse_lock(std::string_view yaml_text, const std::filesystem::path& file);
Result<Lock> load_lock(const std::filesystem::path& file);

// The canonical text (sorted; see above). `definition` names the source in the header comment.
std::string render_lock(const Lock& lock, const std::string& definition);

// Where an artifact's pin comes from, as the lock records it, so that a definition whose pin
// source changed (another checksum file, chart version or repository) no longer matches its
// lock even when the URL did not change: "sha256", "checksums <url>", "helm <repository>
// <chart> <version>" or "first-use". Empty for a path artifact, which is not locked.
std::string pin_source(const Artifact& artifact);

// <definition without .yaml>.lock.yaml: images/demo.yaml -> images/demo.lock.yaml.
std::filesystem::path lock_path_for(const std::filesystem::path& definition);

// Every disagreement between a definition and its lock, all at once (Code::invalid_input,
// naming the lock file and each artifact or image): an artifact or image reference in one and
// not the other, a URL that differs, an inline sha256 pin that differs from the locked digest,
// a reference pinned with @sha256 whose digest differs from the locked top digest, a pin source
// that differs (pin_source), another name.
Status check_lock_matches(const Image& image, const Lock& lock, const std::filesystem::path& lock_file);

}  // namespace bundle::spec
