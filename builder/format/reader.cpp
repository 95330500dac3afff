#include "format/reader.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "format/member_path.h"
#include "format/signature.h"

namespace bundle::format {
namespace {

constexpr std::uint64_t kMaxSignatureBytes = 4096;

Error structure(const std::string& where, const std::string& message) {
    return Error{Code::structure, where, message};
}

class BundleBytes {
public:
    explicit BundleBytes(const OpenBundle& bundle) : b_(bundle) {}

    // Reads [offset, offset+size) or reports the bundle as truncated.
    Result<std::string> read(std::uint64_t offset, std::uint64_t size, const std::string& what) const {
        if (offset + size > b_.file_size)
            return structure(b_.path, "truncated: " + what + " needs bytes up to " +
                                          std::to_string(offset + size) + " but the file has " +
                                          std::to_string(b_.file_size));
        std::string bytes(size, '\0');
        BUNDLE_TRY(pread_exact(b_.fd.get(), bytes.data(), bytes.size(), offset, b_.path));
        return bytes;
    }

    // The header at `offset` must be exactly `expected`.
    Status expect(std::uint64_t offset, const std::string& expected, const std::string& what) const {
        auto actual = read(offset, expected.size(), what);
        if (!actual) return std::move(actual).error();
        if (*actual != expected) return structure(b_.path, what + " is not the header the index implies");
        return {};
    }

    // The bytes in [from, to) must all be zero.
    Status expect_zeros(std::uint64_t from, std::uint64_t to, const std::string& what) const {
        auto bytes = read(from, to - from, what);
        if (!bytes) return std::move(bytes).error();
        if (bytes->find_first_not_of('\0') != std::string::npos)
            return structure(b_.path, "non-zero bytes in " + what);
        return {};
    }

private:
    const OpenBundle& b_;
};

// Reads index.json's size and mtime from the first header, then insists on the exact header.
Status read_first_header(const BundleBytes& src, std::uint64_t& size, std::int64_t& mtime, const std::string& path) {
    auto block = src.read(0, kBlock, "the first header");
    if (!block) return std::move(block).error();
    std::uint64_t raw_mtime = 0;
    if (block->compare(0, kIndexName.size() + 1, std::string(kIndexName) + '\0') != 0 ||
        !parse_octal(std::string_view(*block).substr(124, 12), size) ||
        !parse_octal(std::string_view(*block).substr(136, 12), raw_mtime))
        return structure(path, "not a bundle: the first member is not index.json");
    if (size > kMaxIndexBytes) return structure(path, "index.json is larger than " + std::to_string(kMaxIndexBytes) + " bytes");
    mtime = static_cast<std::int64_t>(raw_mtime);
    return src.expect(0, encode_header(index_entry(size, mtime)), "the index.json header");
}

Status check_layout(const OpenBundle& b, const Layout& expected) {
    for (std::size_t i = 0; i < b.index.members.size(); ++i) {
        if (b.index.members[i].offset != expected.members[i].data)
            return structure(b.index.members[i].path, "offset " + std::to_string(b.index.members[i].offset) +
                                                          " in the index is not where the data lies (" +
                                                          std::to_string(expected.members[i].data) + ")");
    }
    if (b.file_size < expected.total_size)
        return structure(b.path, "truncated: the index describes " + std::to_string(expected.total_size) +
                                     " bytes but the file has " + std::to_string(b.file_size));
    if (b.file_size > expected.total_size)
        return structure(b.path, std::to_string(b.file_size - expected.total_size) +
                                     " bytes of trailing data after the end of the archive");
    return {};
}

}  // namespace

Result<OpenBundle> open_bundle(const std::string& path, const sign::PublicKey* key) {
    OpenBundle b;
    b.path = path;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return system_error(Code::io, path, "cannot open", errno);
    b.fd.reset(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return system_error(Code::io, path, "cannot stat", errno);
    if (!S_ISREG(st.st_mode)) return Error{Code::io, path, "is not a regular file"};
    b.file_size = static_cast<std::uint64_t>(st.st_size);
    if (b.file_size == 0) return structure(path, "empty file: not a bundle");

    BundleBytes src(b);
    std::uint64_t index_size = 0;
    std::int64_t mtime = 0;
    BUNDLE_TRY(read_first_header(src, index_size, mtime, path));
    auto index_bytes = src.read(kBlock, index_size, "index.json");
    if (!index_bytes) return std::move(index_bytes).error();
    BUNDLE_TRY(src.expect_zeros(kBlock + index_size, kBlock + padded(index_size), "the padding after index.json"));

    // The signature's size is whatever its header says, within reason; the header must then be
    // exactly the one for that size.
    std::uint64_t sig_at = kBlock + padded(index_size);
    auto sig_block = src.read(sig_at, kBlock, "the index.json.sig header");
    if (!sig_block) return std::move(sig_block).error();
    std::uint64_t sig_size = 0;
    if (sig_block->compare(0, kSignatureName.size() + 1, std::string(kSignatureName) + '\0') != 0 ||
        !parse_octal(std::string_view(*sig_block).substr(124, 12), sig_size) || sig_size > kMaxSignatureBytes)
        return Error{Code::signature, path, "unsigned: the second member is not index.json.sig"};
    BUNDLE_TRY(src.expect(sig_at, encode_header(signature_entry(sig_size, mtime)), "the index.json.sig header"));
    auto sig_text = src.read(sig_at + kBlock, sig_size, "index.json.sig");
    if (!sig_text) return std::move(sig_text).error();
    BUNDLE_TRY(src.expect_zeros(sig_at + kBlock + sig_size, sig_at + kBlock + padded(sig_size),
                                "the padding after index.json.sig"));

    if (key != nullptr) {
        BUNDLE_TRY(check_signature(*index_bytes, *sig_text, *key));
        b.signature_checked = true;
    }

    auto index = parse_index(*index_bytes);
    if (!index) return std::move(index).error();
    b.index = std::move(*index);
    if (b.index.created != mtime) return structure(path, "index creation time differs from its header's");
    b.layout = compute_layout(b.index, index_size, sig_size);
    BUNDLE_TRY(check_layout(b, b.layout));
    BUNDLE_TRY(src.expect_zeros(b.layout.end_of_archive, b.layout.total_size, "the end-of-archive blocks"));
    return b;
}

}  // namespace bundle::format
