// The completeness gate: an offline cluster can pull no image, so a bundle whose Cilium chart or
// Argo CD manifest names an image that the bundle does not carry installs a cluster that never
// becomes ready, and nobody finds out until a node boots. The gate finds out at build time.
//
// For every `completeness` entry of the definition (spec/image.h) it lists the images the
// artifact deploys: a chart's with the values the payload installs it with (chart_values.h,
// chart_images.h), a manifest's from its pod specs (manifest_images.h). Each is normalised
// (spec::parse_image_reference) and must be held with a locked digest by an image of some group
// of the definition with the same registry and repository:
//
//   the demand names a digest   some such image's locked top digest (the index or manifest the
//                               reference resolved to) is that digest; a tag, if any, is not
//                               compared, since the digest decides what the runtime pulls
//   the demand names a tag only some such image is written with that tag and is locked
//
// Whatever is missing is reported in one Code::invalid_input error, one line per image: the
// reference, everything that required it, and what the bundle holds for that repository instead
// (another tag, another digest), so that the fix (a group entry, a `bundle lock`) is obvious.
// A chart or manifest that cannot be read or understood is its own error, naming the artifact.
#pragma once

#include "build/sources.h"
#include "core/error.h"
#include "spec/image.h"

namespace bundle::build {

// Runs the gate over `image.completeness` (nothing to do when it is empty). Artifacts are read
// from their `path:` or, for downloads, from `fetched.materials`; locked digests come from
// `fetched.lock` (null: the bundle holds no image).
Status check_completeness(const spec::Image& image, const Fetched& fetched);

}  // namespace bundle::build
