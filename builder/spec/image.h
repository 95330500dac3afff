// An image definition (images/<name>.yaml) says what goes into a bundle. It is written by hand
// and kept in the repository, so it holds no secrets, and it is checked strictly: a typo in a
// key must not silently drop an artifact, so unknown and duplicate keys are errors, and every
// mistake of the file is reported at once with its file:line:col.
//
//   apiVersion: bundle/v1        # exactly this
//   kind: Image                  # exactly this
//   name: demo                   # [a-z0-9][a-z0-9._-]*, at most 63 characters
//   version: 1                   # positive integer; nodes refuse a bundle older than theirs
//   arch: amd64                  # amd64 or arm64
//   artifacts:                   # optional, may be empty
//     - name: big                # [a-z0-9][a-z0-9._-]*, unique in the image
//       path: files/big.bin      # local source, relative to this file's folder, or:
//       url: https://host/big    # a download (http or https), or:
//       helm: {repository: https://helm.cilium.io/, chart: cilium, version: 1.18.4}
//                                # a chart: its URL and digest come from the repository's index.yaml
//       dest: data/big.bin       # where it goes inside the bundle
//       mode: "0644"             # optional, octal, at most 0777
//       sha256: <64 hex digits>  # pin: the content must have this digest
//       checksums: https://host/sha256sum-amd64.txt   # or: pin read from a sha256sum-style file,
//                                # the line whose file name is the last component of `url`
//       trust: first-use         # or: no pin; the first download's digest goes into the lock
//   images:                      # optional: container images by group
//     cilium:                    # group name, same rule as artifact names; the bundle gets
//       - quay.io/cilium/cilium:v1.18.4            # images/<group>.oci.tar
//       - quay.io/cilium/operator-generic:v1.18.4@sha256:<64 hex>
//   payload: payload/            # optional folder, relative to this file's folder
//   completeness:                # optional: what the build must find among the images
//     - chart: cilium            # an artifact that is a Helm chart (.tgz)
//       values: ../payload/cilium/values.yaml   # optional: the values the payload installs it
//                                # with, relative to this file's folder
//     - manifests: argocd-install   # an artifact that is (multi-document) Kubernetes YAML
//
// An artifact has exactly one of path, url and helm. A `path:` artifact may carry a sha256 pin.
// A `url:` artifact needs exactly one pin source: sha256, checksums or `trust: first-use` (so
// trust on first use is never the silent default). A `helm:` artifact takes its pin from the
// index and may add no other. An image reference is checked by spec::parse_image_reference (spec/reference.h)'s rule
// (registry host, repository, tag and/or @sha256 digest); a group must not be empty, and the
// same reference twice in one group is an error.
//
// A `completeness` entry names exactly one artifact of this definition, through `chart` or
// `manifests`; `values` goes only with `chart`, and no artifact is named twice. The build opens
// these artifacts and refuses a bundle that lacks an image they deploy (build/completeness.h).
//
// `dest` is checked here, where the user can still fix it, by the very rule the bundle's writer
// and extractor enforce (format::check_member_path in format/member_path.h: relative, no "..",
// "." or empty components, at most 255 bytes, and only the characters that rule allows); and no
// two artifacts may install the same dest, or one inside the other. A `sha256` pin is read by
// hash::sha256_from_hex, the parser the writer checks it with.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "spec/yaml_error.h"

namespace bundle::spec {

struct HelmChart {
    std::string repository;  // http(s) URL of the chart repository (its index.yaml is under it)
    std::string chart;
    std::string version;
};

struct Artifact {
    std::string name;
    std::optional<std::filesystem::path> source;  // `path:` resolved against the definition's folder
    std::optional<std::string> url;               // `url:`
    std::optional<HelmChart> helm;                // `helm:`
    std::string dest;                             // relative path inside the bundle
    std::uint32_t mode = 0644;
    std::optional<std::string> sha256;     // 64 lowercase hex digits
    std::optional<std::string> checksums;  // URL of a sha256sum-style file
    bool trust_on_first_use = false;       // `trust: first-use`
    Location where;                        // of the artifact's mapping
};

struct ImageGroup {
    std::string name;
    std::vector<std::string> references;  // as written
    std::vector<Location> reference_at;   // one per reference
    Location where;                       // of the group's key
};

// One entry of `completeness:`: an artifact whose container images the bundle must carry.
struct CompletenessCheck {
    enum class Kind { chart, manifests };
    Kind kind = Kind::chart;
    std::string artifact;                         // the artifact's name
    std::optional<std::filesystem::path> values;  // chart only; resolved against the folder
    Location where;                               // of the entry's mapping
};

struct Image {
    std::string name;
    std::uint64_t version = 0;
    std::string arch;  // "amd64" or "arm64"
    std::vector<Artifact> artifacts;
    std::vector<ImageGroup> images;                // in the order written
    std::optional<std::filesystem::path> payload;  // resolved against the definition's folder
    std::vector<CompletenessCheck> completeness;   // in the order written
    std::filesystem::path file;                    // the definition file itself
};

// Reads and parses `file`. A file that cannot be read is Code::io with `where` = the path; one
// larger than 1 MiB is Code::invalid_input without being parsed.
Result<Image> load_image(const std::filesystem::path& file);

// Parses a definition held in memory; `file` names it in messages and anchors relative paths.
// Any mistake gives one Code::invalid_input Error listing all of them, one "file:line:col: ..."
// line each. yaml-cpp's exceptions never escape, whatever the input.
Result<Image> parse_image(std::string_view yaml_text, const std::filesystem::path& file);

}  // namespace bundle::spec
