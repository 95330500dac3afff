// A client of the OCI distribution API (the read half: manifests and blobs) that resolves image
// references to pinned descriptors and brings every blob into the download cache.
//
// Authentication, per registry: none; Basic with credentials from ~/.docker/config.json
// ("auths"."<registry>"."auth", base64 user:password) or from the environment
// (BUNDLE_REGISTRY_USER / BUNDLE_REGISTRY_PASSWORD for any registry); and the Bearer token flow:
// a 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...` is answered by getting a
// token from the realm (with Basic credentials when there are some) and retrying. Credentials
// and tokens are never logged nor put into an error message.
//
// Transport: a registry on a loopback address (127.0.0.0/8, ::1, localhost) is reached over
// plain HTTP, as Docker does; any other only over HTTPS unless listed in insecure_registries.
// With a mirror, every request goes to <mirror>/v2/<registry>/<repository>/... instead (see
// fetch/mirror.h).
//
// Manifests are asked for with Accept listing the OCI and Docker v2 index and manifest media
// types. Every manifest and blob is checked against its digest: a manifest requested by digest
// must hash to it, and one requested by tag is pinned by the digest computed over its bytes
// (Docker-Content-Digest, when sent, must agree). A multi-platform index is resolved to the
// manifest for linux/<arch> (variant v8 preferred for arm64 when several), skipping attestation
// manifests (platform unknown/unknown or vnd.docker.reference.type annotations).
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "fetch/cache.h"
#include "fetch/downloader.h"
#include "fetch/http.h"
#include "fetch/mirror.h"
#include "fetch/progress.h"
#include "spec/reference.h"
#include "spec/lock.h"

namespace bundle::oci {

struct RegistryOptions {
    fetch::HttpOptions http;                  // http.insecure_hosts: --insecure-registry
    std::optional<fetch::Mirror> mirror;
    std::string docker_config;                // path of config.json; empty: ~/.docker/config.json
    fetch::Progress* progress = nullptr;
    const std::atomic<bool>* cancel = nullptr;
    unsigned jobs = 8;
};

// Resolves `reference` for linux/<arch>: fetches the top-level index or manifest and the chosen
// platform manifest, checks their digests, stores both in the cache, and returns the locked
// description (group and reference filled in from the arguments). Code::network for an
// unreachable registry, Code::digest for content not matching, Code::invalid_input for a
// reference the registry does not know or an index without the platform.
Result<spec::LockedImage> resolve(const std::string& group, const std::string& reference,
                                  const std::string& arch, const fetch::Cache& cache,
                                  const RegistryOptions& options);

// Brings into the cache everything the locked images name that is not there yet: the top-level
// and platform manifests (by digest) and every blob, downloaded in parallel through the
// downloader with the right authentication, each checked against its digest and size.
Status fetch_images(const std::vector<spec::LockedImage>& images, const fetch::Cache& cache,
                    const RegistryOptions& options);

}  // namespace bundle::oci
