#include "build/materials.h"

#include <vector>

#include "build/resolve.h"
#include "hash/sha256.h"
#include "oci/registry.h"

namespace bundle::build {

bool needs_fetching(const spec::Image& image) {
    if (!image.images.empty()) return true;
    for (const spec::Artifact& artifact : image.artifacts)
        if (!artifact.source) return true;
    return false;
}

Result<spec::Lock> lock_for_build(const spec::Image& image, bool locked, const FetchContext& context) {
    if (!locked) return resolve_pins(image, context);
    std::filesystem::path file = spec::lock_path_for(image.file);
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        return Error{Code::invalid_input, file.string(),
                     "--locked needs this lock; write it with `bundle lock --image " + image.file.string() + "`"};
    auto lock = spec::load_lock(file);
    if (!lock) return std::move(lock).error();
    BUNDLE_TRY(spec::check_lock_matches(image, *lock, file));
    return lock;
}

Result<Materials> fetch_materials(const spec::Image& image, const spec::Lock& lock, const FetchContext& context) {
    std::vector<fetch::Download> downloads;
    std::vector<std::string> names;
    for (const spec::Artifact& artifact : image.artifacts) {
        if (artifact.source) continue;
        const spec::LockedArtifact* locked = nullptr;
        for (const spec::LockedArtifact& candidate : lock.artifacts)
            if (candidate.name == artifact.name) locked = &candidate;
        if (locked == nullptr)  // check_lock_matches or resolve_pins guarantee it; a bug otherwise
            return Error{Code::internal, artifact.name, "artifact missing from the lock"};
        auto url = context.map(locked->url);
        if (!url) return std::move(url).error();
        fetch::Download download;
        download.url = *url;
        download.sha256 = hash::sha256_from_hex(locked->sha256);
        if (!download.sha256) return Error{Code::invalid_input, locked->name, "locked sha256 is not 64 hex digits"};
        download.size = locked->size;
        download.label = artifact.name;
        downloads.push_back(std::move(download));
        names.push_back(artifact.name);
    }
    Materials materials;
    if (!downloads.empty()) {
        auto done = fetch::download_all(downloads, context.cache, context.download);
        if (!done) return std::move(done).error();
        for (std::size_t i = 0; i < names.size(); ++i) materials.artifacts[names[i]] = (*done)[i].path;
    }
    if (!lock.images.empty()) BUNDLE_TRY(oci::fetch_images(lock.images, context.cache, context.registry));
    return materials;
}

}  // namespace bundle::build
