#include "peer/nonce_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "core/atomic_file.h"
#include "core/fd.h"

namespace bundle::peer {

NonceStore::NonceStore(std::string path, std::int64_t window)
    : path_(std::move(path)), window_(window) {}

Status NonceStore::load() {
    UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) {
        if (errno == ENOENT)
            return {};
        return system_error(Code::io, path_, "cannot open the nonce store", errno);
    }
    std::string content;
    char buffer[4096];
    for (;;) {
        ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return system_error(Code::io, path_, "cannot read the nonce store", errno);
        if (got == 0)
            break;
        content.append(buffer, static_cast<std::size_t>(got));
    }
    std::istringstream lines(content);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::int64_t timestamp = 0;
        std::string nonce;
        if (fields >> timestamp >> nonce)
            seen_[nonce] = timestamp;
    }
    return {};
}

Result<bool> NonceStore::claim(const std::string& nonce, std::int64_t timestamp, std::int64_t now) {
    std::lock_guard lock(mutex_);
    if (!loaded_) {
        BUNDLE_TRY(load());
        loaded_ = true;
    }
    // A nonce stays while its timestamp is inside the window; the request itself was checked to
    // be inside it, so an entry older than that can never be matched by an acceptable request.
    for (auto it = seen_.begin(); it != seen_.end();) {
        if (it->second < now - window_ - 1)
            it = seen_.erase(it);
        else
            ++it;
    }
    if (seen_.count(nonce) != 0)
        return false;
    seen_[nonce] = timestamp;
    std::string content;
    for (const auto& [n, t] : seen_) content += std::to_string(t) + " " + n + "\n";
    if (Status written = write_file_atomically(path_, content, 0600); !written) {
        seen_.erase(nonce);  // not on disk: not accepted either
        return std::move(written).error();
    }
    return true;
}

}  // namespace bundle::peer
