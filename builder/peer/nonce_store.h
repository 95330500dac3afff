// The nonces of accepted removal requests, kept for as long as their timestamps could still be
// accepted, on disk so that a restarted server still refuses a replay.
//
// The file (StateDir's dir/peer-nonces, 0600) holds one "<timestamp> <nonce>" line per request,
// rewritten atomically (temporary, fsync, rename) at each claim after dropping the entries whose
// timestamps left the window. A request is accepted at most once even across a restart: the
// nonce is on disk before the removal runs. A file that cannot be read or written refuses every
// request (fail closed); a malformed line is dropped.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/error.h"

namespace bundle::peer {

class NonceStore {
  public:
    // `path` is the file; `window` how long (seconds, either side of now) a timestamp is valid.
    NonceStore(std::string path, std::int64_t window);

    // Records `nonce` (with its request's `timestamp`); false when it was seen before. An Error
    // when the store cannot be read or written.
    Result<bool> claim(const std::string& nonce, std::int64_t timestamp, std::int64_t now);

  private:
    Status load();

    std::string path_;
    std::int64_t window_;
    std::mutex mutex_;
    bool loaded_ = false;
    std::map<std::string, std::int64_t> seen_;  // nonce -> timestamp
};

}  // namespace bundle::peer
