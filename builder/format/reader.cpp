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

// One of the two fixed members, index.json or index.json.sig: one ustar block, then its bytes.
struct FixedMember {
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
    std::string bytes;
};

// Reads the fixed member `name` whose header is at `offset`: its size and mtime come from the
// header, which must then be exactly the one the writer encodes for them; the bytes follow, then
// zero padding. A header of another name is `if_absent`.
Result<FixedMember> read_fixed_member(const BundleBytes& src, std::uint64_t offset, std::string_view name,
                                      std::uint64_t max_size, Error if_absent) {
    auto block = src.read(offset, kBlock, "the " + std::string(name) + " header");
    if (!block) return std::move(block).error();
    FixedMember m;
    std::uint64_t mtime = 0;
    std::string_view header(*block);
    if (header.substr(0, name.size() + 1) != std::string(name) + '\0' ||
        !parse_octal(header.substr(124, 12), m.size) || !parse_octal(header.substr(136, 12), mtime))
        return if_absent;
    if (m.size > max_size)
        return structure(if_absent.where, std::string(name) + " is larger than " + std::to_string(max_size) + " bytes");
    m.mtime = static_cast<std::int64_t>(mtime);
    TarEntry entry{name, Kind::file, 0644, m.size, m.mtime};
    BUNDLE_TRY(src.expect(offset, encode_header(entry), "the " + std::string(name) + " header"));
    auto bytes = src.read(offset + kBlock, m.size, std::string(name));
    if (!bytes) return std::move(bytes).error();
    m.bytes = std::move(*bytes);
    BUNDLE_TRY(src.expect_zeros(offset + kBlock + m.size, offset + kBlock + padded(m.size),
                                "the padding after " + std::string(name)));
    return m;
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
    auto index_member = read_fixed_member(src, 0, kIndexName, kMaxIndexBytes,
                                          structure(path, "not a bundle: the first member is not index.json"));
    if (!index_member) return std::move(index_member).error();
    const std::string& index_bytes = index_member->bytes;
    std::int64_t mtime = index_member->mtime;
    auto signature = read_fixed_member(src, kBlock + padded(index_bytes.size()), kSignatureName, kMaxSignatureBytes,
                                       Error{Code::signature, path, "unsigned: the second member is not index.json.sig"});
    if (!signature) return std::move(signature).error();
    if (signature->mtime != mtime) return structure(path, "index.json.sig has another time than index.json");
    const std::string& sig_text = signature->bytes;

    if (key != nullptr) {
        BUNDLE_TRY(check_signature(index_bytes, sig_text, *key));
        b.signature_checked = true;
    }

    auto index = parse_index(index_bytes);
    if (!index) return std::move(index).error();
    b.index = std::move(*index);
    if (b.index.created != mtime) return structure(path, "index creation time differs from its header's");
    b.layout = compute_layout(b.index, index_bytes.size(), sig_text.size());
    BUNDLE_TRY(check_layout(b, b.layout));
    BUNDLE_TRY(src.expect_zeros(b.layout.end_of_archive, b.layout.total_size, "the end-of-archive blocks"));
    return b;
}

Result<OpenBundle> open_bundle(const std::string& path, const std::string& key_file) {
    auto key = sign::load_public_key(key_file);
    if (!key) return std::move(key).error();
    return open_bundle(path, &*key);
}

}  // namespace bundle::format
