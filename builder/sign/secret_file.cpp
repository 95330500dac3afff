#include "sign/secret_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "core/fd.h"

namespace bundle::sign {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

}  // namespace

// Reads a key file into one buffer sized up front, so that no copy of a private key is left in
// freed memory: the buffer never grows, and on failure it is cleansed before it is freed. Only a
// regular file is read (not /dev/zero, a FIFO or a terminal, which could block or never end),
// and at most one byte more than the limit. A private key must be private to its owner, as ssh
// requires; that is checked on the open descriptor, so it is the file read that was checked.
Result<std::string> read_key_file(const std::string& path, KeyFile kind) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid())
        return system_error(Code::io, path, "cannot open the key file", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return system_error(Code::io, path, "cannot stat", errno);
    if (!S_ISREG(st.st_mode))
        return Error{Code::invalid_input, path, "not a regular file, so not a key file"};
    if (kind == KeyFile::private_key && (st.st_mode & 077) != 0)
        return Error{Code::invalid_input, path,
                     "private key is readable by other users; run chmod 600 on it"};
    std::string text(kMaxKeyFileBytes + 1, '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            OPENSSL_cleanse(text.data(), done);
            return system_error(Code::io, path, "cannot read the key file", err);
        }
        if (n == 0)
            break;
        done += static_cast<std::size_t>(n);
    }
    if (done > kMaxKeyFileBytes) {
        OPENSSL_cleanse(text.data(), done);
        return Error{Code::invalid_input, path, "too large for a key file (more than 64 KiB)"};
    }
    text.resize(done);  // shrinking keeps the buffer in place
    return text;
}

Status make_private_folder(const std::string& dir) {
    std::filesystem::path folder(dir);
    if (!folder.has_filename())
        folder = folder.parent_path();  // "keys/" is "keys"
    if (folder.empty())
        return {};  // the current folder
    std::error_code ec;
    if (folder.has_parent_path()) {
        std::filesystem::create_directories(folder.parent_path(), ec);
        if (ec)
            return Error{Code::io, dir, "cannot create directory: " + ec.message()};
    }
    if (::mkdir(folder.c_str(), 0700) == 0)
        return {};
    if (errno != EEXIST)
        return system_error(Code::io, dir, "cannot create directory", errno);
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return Error{Code::io, dir, "exists and is not a directory"};
    return {};
}

std::string without_line_end(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace bundle::sign
