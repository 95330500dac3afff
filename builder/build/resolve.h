// `bundle lock`: turns an image definition into a lock by resolving every pin it names.
//
//   url + sha256       the pin is the definition's; the download gives the size
//   url + checksums    the pin is read from the sha256sum-style file, on the line naming the
//                      URL's last path component (percent-decoded)
//   helm               the URL and digest come from the chart repository's index.yaml
//   trust: first-use   whatever arrives is hashed; its digest becomes the pin from now on
//   images             each reference is resolved by the registry to its top-level digest, the
//                      platform's manifest and every blob (oci::resolve)
//
// Every artifact is downloaded into the cache on the way (its size is only known for certain once
// its bytes have been counted and hashed), so a build after `bundle lock` finds them there.
// `path:` artifacts are the operator's own files and are not locked.
#pragma once

#include "build/context.h"
#include "core/error.h"
#include "spec/image.h"
#include "spec/lock.h"

namespace bundle::build {

Result<spec::Lock> resolve_pins(const spec::Image& image, const FetchContext& context);

}  // namespace bundle::build
