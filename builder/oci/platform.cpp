#include "oci/platform.h"

#include <algorithm>
#include <vector>

namespace bundle::oci {
namespace {

// Lower is better.
int variant_rank(const std::string& arch, const std::string& variant) {
    if (arch == "arm64")
        return variant == "v8" ? 0 : variant.empty() ? 1 : 2;
    if (arch == "amd64")
        return variant.empty() ? 0 : variant == "v1" ? 1 : 2;
    return variant.empty() ? 0 : 1;
}

std::string describe(const Platform& platform) {
    std::string text = platform.os + "/" + platform.architecture;
    if (!platform.variant.empty())
        text += "/" + platform.variant;
    return text;
}

}  // namespace

bool is_attestation(const IndexEntry& entry) {
    if (entry.annotations.count("vnd.docker.reference.type") != 0)
        return true;
    return entry.has_platform && entry.platform.os == "unknown" &&
           entry.platform.architecture == "unknown";
}

Result<IndexEntry> choose_platform(const ImageIndex& index, const std::string& arch,
                                   const std::string& where) {
    const IndexEntry* best = nullptr;
    std::vector<std::string> offered;
    for (const IndexEntry& entry : index.manifests) {
        if (is_attestation(entry) || !entry.has_platform)
            continue;
        offered.push_back(describe(entry.platform));
        if (entry.platform.os != "linux" || entry.platform.architecture != arch)
            continue;
        if (best == nullptr ||
            variant_rank(arch, entry.platform.variant) < variant_rank(arch, best->platform.variant))
            best = &entry;
    }
    if (best != nullptr)
        return *best;
    std::sort(offered.begin(), offered.end());
    offered.erase(std::unique(offered.begin(), offered.end()), offered.end());
    std::string list;
    for (const std::string& platform : offered) list += (list.empty() ? "" : ", ") + platform;
    return Error{Code::invalid_input, where,
                 "the image has no manifest for linux/" + arch +
                     "; it offers: " + (list.empty() ? std::string("no platform at all") : list)};
}

}  // namespace bundle::oci
