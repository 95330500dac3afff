// images/<group>.oci.tar: one OCI image layout (image-spec's image-layout.md) per group of
// images, as a tar that `ctr -n k8s.io images import` and K3s's air-gap image import read.
//
//   oci-layout                 {"imageLayoutVersion":"1.0.0"}
//   index.json                 one descriptor per image: the registry's original top-level
//                              blob (index or manifest), annotated with
//                              io.containerd.image.name = the full reference and
//                              org.opencontainers.image.ref.name = its tag
//   blobs/sha256/<hex>         every blob once, however many images share it
//
// The original index blob is kept byte for byte so that an @sha256 pin of the reference still
// matches after import; of its manifests only the chosen platform's (and its config and layers)
// are included. The tar is reproducible: entries sorted, owner 0, mtime 0, mode 0644.
#pragma once

#include <filesystem>
#include <vector>

#include "core/error.h"
#include "fetch/cache.h"
#include "spec/lock.h"

namespace bundle::oci {

// Writes the archive atomically to `out` from blobs already in `cache` (fetch_images). A blob
// missing from the cache or no longer matching its digest is an error naming it.
Status write_layout_archive(const std::vector<spec::LockedImage>& images, const fetch::Cache& cache,
                            const std::filesystem::path& out);

}  // namespace bundle::oci
