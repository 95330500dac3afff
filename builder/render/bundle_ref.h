// What a node's user-data must know of the bundle it installs: the file's name and digest (the
// bootstrap checks the whole download before using it), the digest of the node agent inside it
// (the bootstrap runs only that exact binary), and the key that signed it (the agent then checks
// the signature and every byte before extracting anything else).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "sign/ed25519.h"

namespace bundle::render {

inline constexpr char kAgentMember[] = "bin/bundle";

struct BundleRef {
    std::string file_name;   // "<name>-<version>.bundle"
    std::string image;       // the image's name
    std::uint64_t version = 0;
    std::uint64_t size = 0;
    std::string sha256;        // hex, of the whole file
    std::string agent_sha256;  // hex, of bin/bundle inside it
    std::string signing_key;   // base64 of the raw Ed25519 public key
};

// How much of the bundle is checked before its digests are read: a bundle from elsewhere is
// checked byte for byte; one this process has just written and signed need only its signature
// (its index is what the writer wrote), so the build does not read the whole file twice more.
enum class Check { every_byte, signature_only };

// Opens `path`, checks its signature with `key` (and, with Check::every_byte, every byte of it on
// `jobs` threads), and reads the digests above. A bundle without bin/bundle cannot bootstrap a
// node: Code::invalid_input.
Result<BundleRef> describe_bundle(const std::string& path, const sign::PublicKey& key, unsigned jobs,
                                  Check check = Check::every_byte);

}  // namespace bundle::render
