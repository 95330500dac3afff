// Authentication of "remove the stale etcd member of node N" (POST /v1/members/remove), the one
// request of the node agent's server that changes the cluster.
//
// Only a holder of the cluster's K3s token may ask, and a recorded request must not work twice.
// The token never travels: each request carries
//
//   {"node": "node-1", "timestamp": 1764222001, "nonce": "<32 hex>", "mac": "<64 hex>"}
//
// where mac = HMAC-SHA256(key, canonical) in lowercase hex, and
//
//   key       = HKDF-SHA256(IKM = the K3s token's bytes, salt = "bundle/peer/v1",
//                           info = "members/remove"), 32 bytes (RFC 5869)
//   canonical = "bundle-peer-v1\nPOST\n/v1/members/remove\n<node>\n<timestamp>\n<nonce>\n"
//
// HKDF with its own label gives this use a key of its own: a MAC made with it can never be
// mistaken for anything K3s does with the token, and a later use of the token gets another
// label. The method and path are in the canonical string so that a MAC for this request cannot
// be replayed against another endpoint; node, timestamp and nonce so that none can be changed.
// Node names are [a-z0-9-] (the cluster definition's rule) and timestamps digits, so the lines
// cannot be confused with one another.
//
// The server accepts a timestamp within ±120 s of its clock (the nodes run time sync) and a
// nonce it has not seen within that window (nonce_store.h keeps them on disk, so a restart does
// not reopen a replay); the MAC is compared in constant time, and checked before the nonce is
// recorded, so that nobody without the key can fill the nonce store.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"

namespace bundle::peer {

inline constexpr char kRemovePath[] = "/v1/members/remove";
inline constexpr std::int64_t kRemovalWindowSeconds = 120;

struct RemovalRequest {
    std::string node;
    std::int64_t timestamp = 0;  // seconds since the epoch
    std::string nonce;           // 32 lowercase hex digits (16 random bytes)
    std::string mac;             // 64 lowercase hex digits
};

// The 32-byte key for removal requests, derived from the K3s token.
Result<std::string> removal_key(const std::string& k3s_token);

std::string canonical_removal(const RemovalRequest& request);

// A request for `node` at `now`, with a fresh random nonce, signed with `key`.
Result<RemovalRequest> sign_removal(const std::string& key, const std::string& node,
                                    std::int64_t now);

// True when request.mac is the MAC of its fields under `key` (constant-time comparison). Says
// nothing about the timestamp or the nonce.
bool mac_matches(const std::string& key, const RemovalRequest& request);

std::string removal_to_json(const RemovalRequest& request);
// Checks shapes only: node [a-z0-9-]{1,63}, timestamp an integer, nonce 32 and mac 64 hex digits.
Result<RemovalRequest> parse_removal(const std::string& body);

}  // namespace bundle::peer
