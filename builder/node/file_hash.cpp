#include "node/file_hash.h"

#include <unistd.h>

#include <cerrno>
#include <memory>

#include "hash/sha256.h"

namespace bundle::node {

constexpr std::size_t kBuffer = 1 << 20;

Result<std::string> hash_fd(const UniqueFd& in, const std::string& path, int copy_to, const std::string& copy_name) {
    hash::Sha256 sha;
    auto buffer = std::make_unique_for_overwrite<char[]>(kBuffer);
    for (;;) {
        ssize_t n = ::read(in.get(), buffer.get(), kBuffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_error(Code::io, path, "cannot read", errno);
        if (n == 0) break;
        if (auto updated = sha.update(buffer.get(), static_cast<std::size_t>(n)); !updated) return std::move(updated).error();
        for (ssize_t done = 0; copy_to >= 0 && done < n;) {
            ssize_t w = ::write(copy_to, buffer.get() + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return system_error(Code::io, copy_name, "cannot write", errno);
            done += w;
        }
    }
    auto digest = sha.finish();
    if (!digest) return std::move(digest).error();
    return hash::to_hex(*digest);
}

}  // namespace bundle::node
