// Helpers shared by the fetch tests: the faulty HTTP server (faulty_server.py) as a fixture,
// deterministic test content, and digests.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hash/sha256.h"
#include "support/process.h"

namespace bundle::test {

class FaultyServer {
public:
    // Serves the files of `root` as described in faulty_server.py; logs go to `work`.
    FaultyServer(const std::filesystem::path& root, const std::filesystem::path& work);
    // http://127.0.0.1:<port>/<mode>/<name>
    std::string url(const std::string& mode, const std::string& name, const std::string& query = "") const;
    // The server's record for /<mode>/<name>: requests, ranges (Range headers seen, "" for none),
    // bytes (body bytes sent).
    nlohmann::json stats(const std::string& mode, const std::string& name) const;
    int port() const { return port_; }

private:
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

// `size` bytes of deterministic pseudo-random content, different for each `seed`.
std::string make_content(std::size_t size, unsigned seed);
hash::Sha256Digest digest_of(const std::string& content);

}  // namespace bundle::test
