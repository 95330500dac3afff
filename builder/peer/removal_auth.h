// Authentication of "remove the stale etcd member of node N" (POST /v1/members/remove), the one
// request of the node agent's server that changes the cluster.
//
// Only a holder of the cluster's K3s token may ask, a recorded request must not work twice, and
// a request made for one member must not work at another. The token never travels: each request
// carries
//
//   {"node": "node-3", "receiver": "node-1", "receiver_address": "10.6.0.1",
//    "timestamp": 1764222001, "nonce": "<32 hex>", "mac": "<64 hex>"}
//
// where mac = HMAC-SHA256(key, canonical) in lowercase hex, and
//
//   key       = HKDF-SHA256(IKM = the K3s token's bytes, salt = "bundle/peer/v1",
//                           info = "members/remove"), 32 bytes (RFC 5869)
//   canonical = "bundle-peer-v2\nPOST\n/v1/members/remove\n<receiver>\n<receiver_address>\n"
//               "<node>\n<timestamp>\n<nonce>\n"
//
// HKDF with its own label gives this use a key of its own: a MAC made with it can never be
// mistaken for anything K3s does with the token, and a later use of the token gets another
// label. The method and path are in the canonical string so that a MAC for this request cannot
// be replayed against another endpoint; node, timestamp and nonce so that none can be changed.
// The receiver (the member asked, by its node name and mesh address) is in it because every
// member holds the same key and keeps its own nonces: without it, a request captured on its way
// to node-1 would be accepted by node-2 within the window. A server checks that the receiver
// named is itself before anything else of the request is believed. (v2: v1 had no receiver.)
// Node names are [a-z0-9-] (the cluster definition's rule), addresses dotted IPv4 and timestamps
// digits, so the lines cannot be confused with one another.
//
// Every field is checked for its exact JSON type and range before anything uses it (the body
// is an object with exactly these six members, strings where strings are written, the timestamp
// a JSON integer, not a float, in [0, kMaxTimestamp]); the MAC is checked only after that. The
// server accepts a timestamp within +-120 s of its clock (the nodes run time sync) and a nonce it
// has not seen within that window (nonce_store.h keeps them on disk, so a restart does not reopen
// a replay); the MAC is compared in constant time, and checked before the nonce is recorded, so
// that nobody without the key can fill the nonce store.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"

namespace bundle::peer {

inline constexpr char kRemovePath[] = "/v1/members/remove";
inline constexpr std::int64_t kRemovalWindowSeconds = 120;
// 9999-12-31T23:59:59Z: far beyond any clock, far below where int64 arithmetic could overflow.
inline constexpr std::int64_t kMaxTimestamp = 253402300799;

struct RemovalRequest {
    std::string node;              // the stale member to remove
    std::string receiver;          // the member asked to remove it: its node name
    std::string receiver_address;  // and its mesh address
    std::int64_t timestamp = 0;  // seconds since the epoch
    std::string nonce;           // 32 lowercase hex digits (16 random bytes)
    std::string mac;             // 64 lowercase hex digits
};

// The 32-byte key for removal requests, derived from the K3s token.
Result<std::string> removal_key(const std::string& k3s_token);

std::string canonical_removal(const RemovalRequest& request);

// A request to `receiver` (a member's node name and mesh address) for `node` at `now`, with a
// fresh random nonce, signed with `key`.
Result<RemovalRequest> sign_removal(const std::string& key, const std::string& receiver,
                                    const std::string& receiver_address, const std::string& node,
                                    std::int64_t now);

// True when request.mac is the MAC of its fields under `key` (constant-time comparison). Says
// nothing about the timestamp or the nonce.
bool mac_matches(const std::string& key, const RemovalRequest& request);

std::string removal_to_json(const RemovalRequest& request);
// Checks types and shapes only, never the MAC: a JSON object with exactly the six members, each
// once; node and receiver [a-z0-9-]{1,63}, receiver_address a dotted IPv4 address, timestamp a
// JSON integer in [0, kMaxTimestamp] (a float, a string, a negative or a larger number is
// refused, never converted), nonce 32 and mac 64 lowercase hex digits. The error says which
// field is wrong and how, never quoting the body.
Result<RemovalRequest> parse_removal(const std::string& body);

}  // namespace bundle::peer
