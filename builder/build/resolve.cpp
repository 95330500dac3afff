#include "build/resolve.h"

#include <optional>
#include <string>
#include <vector>

#include "fetch/http.h"
#include "fetch/mirror.h"
#include "hash/sha256.h"
#include "oci/registry.h"
#include "spec/checksums.h"
#include "spec/helm_index.h"

namespace bundle::build {
namespace {

constexpr std::uint64_t kMaxChecksumFile = 1u << 20;
constexpr std::uint64_t kMaxHelmIndex = 64u << 20;  // large repositories publish indexes of many MiB

// The file name a checksum file lists for `url`: its last path component, percent-decoded
// (K3s's "v1.36.0%2Bk3s1" directory does not matter, but a name could be escaped too).
std::string file_name_of(const std::string& url) {
    std::string path = url.substr(0, url.find_first_of("?#"));
    return fetch::percent_decode(path.substr(path.find_last_of('/') + 1));
}

// A small document (checksum file, chart index) fetched through the mirror; anything but 200 is
// an error naming the upstream URL.
Result<std::string> get_document(const std::string& upstream, std::uint64_t limit, const FetchContext& context,
                                 const std::string& what) {
    auto url = context.map(upstream);
    if (!url) return std::move(url).error();
    fetch::Request request;
    request.url = *url;
    request.max_body = limit;
    auto response = fetch::get(request, context.download.http);
    if (!response) return std::move(response).error();
    if (response->status != 200)
        return Error{Code::network, *url, "cannot get the " + what + ": HTTP status " + std::to_string(response->status)};
    return std::move(response->body);
}

struct Pending {
    spec::LockedArtifact locked;
    std::optional<hash::Sha256Digest> pin;
};

Result<Pending> pin_artifact(const spec::Artifact& artifact, const FetchContext& context) {
    Pending pending;
    pending.locked.name = artifact.name;
    pending.locked.pin = spec::pin_source(artifact);
    if (artifact.helm) {
        std::string repository = artifact.helm->repository;
        if (repository.empty() || repository.back() != '/') repository += '/';
        auto index = get_document(repository + "index.yaml", kMaxHelmIndex, context, "chart repository index");
        if (!index) return std::move(index).error();
        auto entry = spec::find_chart(*index, *artifact.helm, repository + "index.yaml");
        if (!entry) return std::move(entry).error();
        pending.locked.url = entry->url;
        pending.pin = hash::sha256_from_hex(entry->sha256);
        return pending;
    }
    pending.locked.url = *artifact.url;
    if (artifact.sha256) {
        pending.pin = hash::sha256_from_hex(*artifact.sha256);
    } else if (artifact.checksums) {
        auto text = get_document(*artifact.checksums, kMaxChecksumFile, context, "checksum file");
        if (!text) return std::move(text).error();
        auto hex = spec::find_checksum(*text, file_name_of(*artifact.url), *artifact.checksums);
        if (!hex) return std::move(hex).error();
        pending.pin = hash::sha256_from_hex(*hex);
    }  // else trust on first use, which the definition asked for by name
    return pending;
}

}  // namespace

Result<spec::Lock> resolve_pins(const spec::Image& image, const FetchContext& context) {
    spec::Lock lock;
    lock.image = image.name;
    std::vector<Pending> pending;
    std::vector<fetch::Download> downloads;
    for (const spec::Artifact& artifact : image.artifacts) {
        if (artifact.source) continue;
        auto pinned = pin_artifact(artifact, context);
        if (!pinned) return std::move(pinned).error();
        auto url = context.map(pinned->locked.url);
        if (!url) return std::move(url).error();
        fetch::Download download;
        download.url = *url;
        download.sha256 = pinned->pin;
        download.label = artifact.name;
        downloads.push_back(std::move(download));
        pending.push_back(std::move(*pinned));
    }
    if (!downloads.empty()) {
        auto done = fetch::download_all(downloads, context.cache, context.download);
        if (!done) return std::move(done).error();
        for (std::size_t i = 0; i < pending.size(); ++i) {
            pending[i].locked.size = (*done)[i].size;
            pending[i].locked.sha256 = hash::to_hex((*done)[i].sha256);
            lock.artifacts.push_back(std::move(pending[i].locked));
        }
    }
    for (const spec::ImageGroup& group : image.images) {
        for (const std::string& reference : group.references) {
            if (context.download.progress) context.download.progress->note("resolving " + reference);
            auto resolved = oci::resolve(group.name, reference, image.arch, context.cache, context.registry);
            if (!resolved) return std::move(resolved).error();
            lock.images.push_back(std::move(*resolved));
        }
    }
    return lock;
}

}  // namespace bundle::build
