#include "nodeconf/node_config.h"

#include <stdexcept>

#include "hash/sha256.h"

namespace bundle::nodeconf {

const Peer& NodeConfig::me() const {
    for (const auto& peer : nodes)
        if (peer.name == self) return peer;
    throw std::logic_error("node configuration without its own node");
}

std::vector<const Peer*> NodeConfig::others() const {
    std::vector<const Peer*> out;
    for (const auto& peer : nodes)
        if (peer.name != self) out.push_back(&peer);
    return out;
}

std::string settings_digest(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string text;
    for (const auto& [key, value] : pairs) text += key + "=" + value + "\n";
    auto digest = hash::sha256(text);
    // Hashing a short string in memory fails only if OpenSSL itself is broken. A stand-in value
    // would be the same on every node and defeat the check it exists for, so that is a bug.
    if (!digest) throw std::logic_error("SHA-256 of the server settings failed: " + digest.error().message);
    return "sha256:" + hash::to_hex(*digest);
}

}  // namespace bundle::nodeconf
