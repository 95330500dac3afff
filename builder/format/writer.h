// Writing a bundle. The sources are checked (safe names, regular files only, no setuid bits,
// pins matched), sorted, given the parent directories they need, and laid out; then every chunk is
// read, hashed and written at its final offset on every core in one pass over the inputs, and
// the index is signed and written in front. The file appears under its name only when complete
// (AtomicFile), and the same sources with the same creation time give the same bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "format/index.h"
#include "sign/ed25519.h"

namespace bundle::format {

struct Source {
    std::string path;  // member path in the bundle
    Kind kind = Kind::file;
    std::uint32_t mode = 0644;
    std::string file;                          // for files: where the bytes are read from
    std::optional<hash::Sha256Digest> pin;     // the whole file's SHA-256 must be this
    std::string origin;                        // names the source in errors ("images/x.yaml:9:5")
};

struct WriteOptions {
    std::string name;
    std::uint64_t version = 0;
    std::string arch;
    std::int64_t created = 0;
    std::uint64_t chunk_size = kDefaultChunkSize;
    unsigned jobs = 1;
    const sign::PrivateKey* key = nullptr;
    std::atomic<std::uint64_t>* progress = nullptr;  // bytes of input processed so far
    const std::atomic<bool>* cancel = nullptr;        // set (by a signal handler) to stop early
};

struct Written {
    std::string path;
    std::uint64_t size = 0;
    std::size_t members = 0;
    std::uint64_t payload_bytes = 0;
};

Result<Written> write_bundle(std::vector<Source> sources, const WriteOptions& options,
                             const std::string& out_path);

}  // namespace bundle::format
