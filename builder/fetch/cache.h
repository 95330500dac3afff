// The download cache: content-addressed files under $XDG_CACHE_HOME/bundle (or
// ~/.cache/bundle), shared by every run on the machine.
//
//   <root>/sha256/<hex>        the content, read-only (0444), named by its SHA-256
//   <root>/sha256/<hex>.xxh3   XXH3-64 of the content and its size, written at insertion
//   <root>/partial/<key>.part  an interrupted download, resumed by the next run
//   <root>/lock                flock(2) target
//
// SHA-256 is the trust anchor: a file enters sha256/ only by an atomic rename after its digest
// was computed over every byte and found equal to the pin. The XXH3 sidecar is corruption
// detection, not security: a later run re-validates an entry at memory speed (XXH3 runs an order
// of magnitude faster than SHA-256) instead of re-hashing it with SHA-256. An entry whose XXH3 or
// size no longer matches is removed and fetched again. That check is also why entries are not
// fsynced: one that a crash left torn is caught on its next use.
//
// Two runs may share the cache: each partial file is held with an exclusive flock while it is
// written, so a second run waiting for the same content waits for it instead of downloading it
// twice or writing into the same file; insertion is a rename, which is atomic.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"
#include "hash/sha256.h"

namespace bundle::fetch {

class Cache {
public:
    // Opens (creating with mode 0700 if missing) the cache at `root`. default_root() gives
    // $XDG_CACHE_HOME/bundle or $HOME/.cache/bundle.
    static Result<Cache> open(const std::filesystem::path& root);
    static std::filesystem::path default_root();

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path path_of(const hash::Sha256Digest& digest) const;

    // The entry's path if it is present and its XXH3 and size still match; a corrupt entry is
    // removed and nullopt returned.
    Result<std::optional<std::filesystem::path>> find(const hash::Sha256Digest& digest) const;

    // Moves `file` (in the same filesystem, e.g. a finished partial) into the cache under
    // `digest`, which the caller computed over every byte; records its XXH3 and size.
    Status insert(const std::filesystem::path& file, const hash::Sha256Digest& digest) const;

    // Stores small content held in memory (manifests, index.yaml) under its digest.
    Result<std::filesystem::path> insert_bytes(std::string_view bytes) const;

    // Where a download of `key` (a stable name, e.g. the hex of its pin) is resumed from.
    std::filesystem::path partial_path(const std::string& key) const;

private:
    explicit Cache(std::filesystem::path root) : root_(std::move(root)) {}
    std::filesystem::path root_;
};

}  // namespace bundle::fetch
