// A Helm chart repository publishes index.yaml: for each chart, every version with its digest
// and download URLs.
//
//   apiVersion: v1
//   entries:
//     cilium:
//       - version: 1.18.4
//         digest: <64 hex>          # SHA-256 of the .tgz
//         urls: [cilium-1.18.4.tgz] # absolute, or relative to the repository URL
//         ...                       # many other keys, ignored
//
// A `helm:` artifact takes its URL and pin from here, so the digest in the lock is the one the
// repository publishes. Real indexes run to several MiB (thousands of versions); only the
// requested chart's entries are looked at closely, and yaml-cpp's exceptions never escape.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "spec/image.h"

namespace bundle::spec {

struct ChartEntry {
    std::string url;     // absolute: a relative URL is resolved against the index's URL
    std::string sha256;  // 64 lowercase hex digits
};

// The entry for `chart.chart` at `chart.version` in the index `text` fetched from `index_url`
// (e.g. "https://helm.cilium.io/index.yaml"). Code::invalid_input with `where` = `index_url`
// when the index is malformed, the chart or version is missing (the message lists the versions
// nearest to the one asked for), or the entry has no usable digest or URL.
Result<ChartEntry> find_chart(std::string_view text, const HelmChart& chart,
                              const std::string& index_url);

}  // namespace bundle::spec
