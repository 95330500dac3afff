// resolve() and fetch_images(): see registry.h. Manifests are small and fetched here with
// fetch::get, checked and stored whole; blobs are large and go through the downloader, which
// checks them against the digests and sizes the manifests gave.
#include "oci/registry.h"

#include <map>
#include <set>
#include <utility>

#include "hash/sha256.h"
#include "oci/endpoint.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/platform.h"
#include "oci/session.h"

namespace bundle::oci {
namespace {

struct FetchedManifest {
    std::string bytes;
    std::string digest;  // computed over bytes
    std::string content_type;
};

bool cancelled(const RegistryOptions& options) {
    return options.cancel != nullptr && options.cancel->load();
}

Error cancelled_error(const std::string& where) {
    return Error{Code::network, where, "interrupted"};
}

std::string first_header(const fetch::Response& response, const std::string& name) {
    auto it = response.headers.find(name);
    return it == response.headers.end() ? std::string() : it->second;
}

// GET manifests/<tag or digest>, checked: by digest it must hash to it; by tag the registry's
// Docker-Content-Digest, when sent, must agree with the bytes.
Result<FetchedManifest> get_manifest(Session& session, const std::string& tag_or_digest,
                                     const std::string& name) {
    auto response =
        session.request("manifests/" + tag_or_digest, {std::string(media_type::manifest_accept)});
    if (!response)
        return std::move(response).error();
    std::string url = session.endpoint().shown_url("manifests/" + tag_or_digest);
    if (response->status == 404)
        return Error{Code::invalid_input, url,
                     name +
                         ": the registry does not know this image (HTTP 404: no such repository, "
                         "tag or digest)"};
    if (response->status != 200)
        return Error{Code::network, url,
                     name + ": the registry answered HTTP " + std::to_string(response->status)};
    auto digest = hash::sha256(response->body);
    if (!digest)
        return std::move(digest).error();
    FetchedManifest fetched{std::move(response->body), "sha256:" + hash::to_hex(*digest),
                            first_header(*response, "content-type")};
    bool by_digest = tag_or_digest.rfind("sha256:", 0) == 0;
    if (by_digest && fetched.digest != tag_or_digest)
        return Error{
            Code::digest, url,
            name + ": the manifest served for " + tag_or_digest + " hashes to " + fetched.digest};
    std::string announced = first_header(*response, "docker-content-digest");
    if (!by_digest && announced.rfind("sha256:", 0) == 0 && announced != fetched.digest)
        return Error{Code::digest, url,
                     name + ": the registry announces digest " + announced +
                         " but the manifest it sent hashes to " + fetched.digest};
    return fetched;
}

// The manifest named by `descriptor`, fetched by digest and checked against its size too.
Result<FetchedManifest> get_pinned_manifest(Session& session, const spec::Descriptor& descriptor,
                                            const std::string& name) {
    auto fetched = get_manifest(session, descriptor.digest, name);
    if (!fetched)
        return fetched;
    if (fetched->bytes.size() != descriptor.size)
        return Error{Code::digest, session.endpoint().shown_url("manifests/" + descriptor.digest),
                     name + ": the manifest is " + std::to_string(fetched->bytes.size()) +
                         " bytes, not the " + std::to_string(descriptor.size) +
                         " its descriptor says"};
    return fetched;
}

Status store(const fetch::Cache& cache, const std::string& bytes) {
    auto stored = cache.insert_bytes(bytes);
    if (!stored)
        return std::move(stored).error();
    return {};
}

Result<hash::Sha256Digest> digest_of(const spec::Descriptor& descriptor, const std::string& name) {
    auto digest = is_sha256_digest(descriptor.digest)
                      ? hash::sha256_from_hex(std::string_view(descriptor.digest).substr(7))
                      : std::nullopt;
    if (!digest)
        return Error{Code::invalid_input, name,
                     "\"" + descriptor.digest + "\" is not a sha256 digest"};
    return *digest;
}

Result<bool> in_cache(const fetch::Cache& cache, const spec::Descriptor& descriptor,
                      const std::string& name) {
    auto digest = digest_of(descriptor, name);
    if (!digest)
        return std::move(digest).error();
    auto found = cache.find(*digest);
    if (!found)
        return std::move(found).error();
    return found->has_value();
}

Session open_session(const spec::ImageReference& reference, const std::string& name,
                     const RegistryOptions& options) {
    return Session(endpoint_for(reference, options.http.insecure_hosts,
                                options.mirror ? &*options.mirror : nullptr),
                   name, options.docker_config, options.http);
}

}  // namespace

Result<spec::LockedImage> resolve(const std::string& group, const std::string& reference,
                                  const std::string& arch, const fetch::Cache& cache,
                                  const RegistryOptions& options) {
    auto parsed = spec::parse_image_reference(reference);
    if (!parsed)
        return std::move(parsed).error();
    if (cancelled(options))
        return cancelled_error(reference);
    if (options.progress != nullptr)
        options.progress->note("resolving " + reference + " for linux/" + arch);
    Session session = open_session(*parsed, reference, options);

    auto top = get_manifest(session, parsed->manifest_reference(), reference);
    if (!top)
        return std::move(top).error();
    auto document = parse_manifest_document(top->bytes, top->content_type, reference);
    if (!document)
        return std::move(document).error();

    spec::LockedImage image;
    image.group = group;
    image.reference = reference;
    image.top = spec::Descriptor{top->digest, top->bytes.size(), document->media_type};
    ImageManifest manifest = document->manifest;
    std::optional<FetchedManifest> child;
    if (document->is_index) {
        auto entry = choose_platform(document->index, arch, reference);
        if (!entry)
            return std::move(entry).error();
        if (cancelled(options))
            return cancelled_error(reference);
        auto fetched = get_pinned_manifest(session, entry->descriptor, reference);
        if (!fetched)
            return std::move(fetched).error();
        auto parsed_child = parse_manifest_document(fetched->bytes, fetched->content_type,
                                                    reference + "@" + entry->descriptor.digest);
        if (!parsed_child)
            return std::move(parsed_child).error();
        if (parsed_child->is_index)
            return Error{Code::invalid_input, reference,
                         "the linux/" + arch + " entry " + entry->descriptor.digest +
                             " is itself an index; nested indexes are not supported"};
        image.manifest =
            spec::Descriptor{fetched->digest, fetched->bytes.size(), parsed_child->media_type};
        manifest = parsed_child->manifest;
        child = std::move(*fetched);
    } else {
        image.manifest = image.top;
    }
    image.blobs.push_back(manifest.config);
    image.blobs.insert(image.blobs.end(), manifest.layers.begin(), manifest.layers.end());

    BUNDLE_TRY(store(cache, top->bytes));
    if (child)
        BUNDLE_TRY(store(cache, child->bytes));
    return image;
}

Status fetch_images(const std::vector<spec::LockedImage>& images, const fetch::Cache& cache,
                    const RegistryOptions& options) {
    std::map<std::string, Session> sessions;  // per registry/repository: one challenge each
    std::vector<fetch::Download> downloads;
    std::set<std::string> queued;
    for (const spec::LockedImage& image : images) {
        if (cancelled(options))
            return cancelled_error(image.reference);
        auto parsed = spec::parse_image_reference(image.reference);
        if (!parsed)
            return std::move(parsed).error();
        std::string key = parsed->registry + "/" + parsed->repository;
        auto it = sessions.find(key);
        if (it == sessions.end())
            it = sessions.emplace(key, open_session(*parsed, image.reference, options)).first;
        Session& session = it->second;

        for (const spec::Descriptor* descriptor : {&image.top, &image.manifest}) {
            auto present = in_cache(cache, *descriptor, image.reference);
            if (!present)
                return std::move(present).error();
            if (*present)
                continue;
            auto fetched = get_pinned_manifest(session, *descriptor, image.reference);
            if (!fetched)
                return std::move(fetched).error();
            BUNDLE_TRY(store(cache, fetched->bytes));
        }
        for (const spec::Descriptor& blob : image.blobs) {
            auto digest = digest_of(blob, image.reference);
            if (!digest)
                return std::move(digest).error();
            if (!queued.insert(blob.digest).second)
                continue;
            auto present = in_cache(cache, blob, image.reference);
            if (!present)
                return std::move(present).error();
            if (*present)
                continue;
            auto headers = session.blob_headers(image.top.digest);
            if (!headers)
                return std::move(headers).error();
            fetch::Download download;
            download.url = session.endpoint().url("blobs/" + blob.digest);
            download.headers = std::move(*headers);
            download.sha256 = *digest;
            download.size = blob.size;
            download.label = parsed->repository + "@" + blob.digest.substr(7, 12);
            downloads.push_back(std::move(download));
        }
    }
    if (downloads.empty())
        return {};
    fetch::DownloadOptions download_options;
    download_options.jobs = options.jobs;
    download_options.http = options.http;
    download_options.progress = options.progress;
    download_options.cancel = options.cancel;
    auto done = fetch::download_all(downloads, cache, download_options);
    if (!done)
        return std::move(done).error();
    return {};
}

}  // namespace bundle::oci
