#include "format/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "core/parallel.h"
#include "format/layout.h"
#include "format/member_path.h"
#include "format/signature.h"

namespace bundle::format {
namespace {

struct Identity {
    dev_t device = 0;
    ino_t inode = 0;
    std::uint64_t size = 0;
};

// A unit of parallel work: a range of chunks of one member. A pinned member is one item, so that
// its whole-file digest is computed over exactly the bytes that go into the bundle.
struct Item {
    std::size_t member;
    std::uint64_t first_chunk;
    std::uint64_t chunk_count;
};

std::string origin_of(const Source& source) {
    return source.origin.empty() ? source.file : source.origin;
}

Status check_source(const Source& source) {
    BUNDLE_TRY(check_member_path(source.path));
    if (source.path == kIndexName || source.path == kSignatureName)
        return Error{Code::invalid_input, origin_of(source), "'" + source.path + "' is a reserved name"};
    if (source.mode > 0777)
        return Error{Code::unsafe_path, origin_of(source),
                     "mode " + mode_string(source.mode) + " has a setuid, setgid or sticky bit"};
    return {};
}

// Opens a source without following a link and insists on a regular file.
Result<UniqueFd> open_source(const Source& source, struct stat& st) {
    int fd = ::open(source.file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            return Error{Code::unsafe_path, source.file, "is a symbolic link; bundles hold regular files only"};
        return system_error(Code::io, source.file, "cannot open", errno);
    }
    UniqueFd owned(fd);
    if (::fstat(fd, &st) != 0) return system_error(Code::io, source.file, "cannot stat", errno);
    if (!S_ISREG(st.st_mode))
        return Error{Code::unsafe_path, source.file, "is not a regular file (device, fifo or socket)"};
    return owned;
}

// Sorted members with every implicit parent directory added; duplicates are errors.
Result<std::vector<Source>> complete_tree(std::vector<Source> sources) {
    std::map<std::string, Source> by_path;
    for (Source& source : sources) {
        BUNDLE_TRY(check_source(source));
        auto [it, inserted] = by_path.emplace(source.path, source);
        if (!inserted)
            return Error{Code::invalid_input, origin_of(source),
                         "member '" + source.path + "' is also given by " + origin_of(it->second)};
    }
    for (const Source& source : sources) {
        for (std::string_view parent = parent_of(source.path); !parent.empty(); parent = parent_of(parent)) {
            auto it = by_path.find(std::string(parent));
            if (it == by_path.end()) {
                by_path.emplace(std::string(parent), Source{std::string(parent), Kind::directory, 0755, {}, {}, {}});
            } else if (it->second.kind != Kind::directory) {
                return Error{Code::invalid_input, origin_of(it->second),
                             "member '" + it->first + "' is a file but '" + source.path + "' needs it as a directory"};
            }
        }
    }
    std::vector<Source> sorted;
    sorted.reserve(by_path.size());
    for (auto& [path, source] : by_path) sorted.push_back(std::move(source));
    return sorted;
}

// The index size changes the offsets, which change the index: iterate to the fixed point. Digest
// slots are already sized, so only the offsets' digits move, and this settles in a few rounds.
Result<Layout> settle_layout(Index& index, std::uint64_t signature_size) {
    std::uint64_t index_size = 0;
    for (int round = 0; round < 16; ++round) {
        Layout layout = compute_layout(index, index_size, signature_size);
        assign_offsets(index, layout);
        std::uint64_t size = serialize_index(index).size();
        if (size == index_size) return layout;
        index_size = size;
    }
    return Error{Code::internal, "index.json", "layout did not settle"};
}

class ChunkCopier {
public:
    ChunkCopier(const std::vector<Source>& sources, Index& index, const std::vector<Identity>& ids,
                int out_fd, std::string out_path, const WriteOptions& options)
        : sources_(sources), index_(index), ids_(ids), out_fd_(out_fd), out_path_(std::move(out_path)),
          options_(options), buffers_(worker_count(options.jobs)) {}

    Status copy(const Item& item, unsigned worker) {
        const Source& source = sources_[item.member];
        Member& member = index_.members[item.member];
        struct stat st {};
        auto fd = open_source(source, st);
        if (!fd) return std::move(fd).error();
        const Identity& id = ids_[item.member];
        if (st.st_dev != id.device || st.st_ino != id.inode ||
            static_cast<std::uint64_t>(st.st_size) != id.size)
            return Error{Code::io, source.file, "changed while the bundle was being written"};

        std::vector<unsigned char>& buffer = buffers_[worker];
        buffer.resize(index_.chunk_size);
        hash::Sha256 whole;
        for (std::uint64_t c = item.first_chunk; c < item.first_chunk + item.chunk_count; ++c) {
            std::uint64_t start = c * index_.chunk_size;
            std::size_t length = static_cast<std::size_t>(std::min(index_.chunk_size, member.size - start));
            BUNDLE_TRY(pread_exact(fd->get(), buffer.data(), length, start, source.file));
            auto digest = hash::sha256(buffer.data(), length);
            if (!digest) return std::move(digest).error();
            member.chunks[c] = *digest;
            if (source.pin) BUNDLE_TRY(whole.update(buffer.data(), length));
            BUNDLE_TRY(pwrite_all(out_fd_, buffer.data(), length, member.offset + start, out_path_));
            if (options_.progress) options_.progress->fetch_add(length, std::memory_order_relaxed);
        }
        if (source.pin) {
            auto digest = whole.finish();
            if (!digest) return std::move(digest).error();
            if (*digest != *source.pin)
                return Error{Code::digest, origin_of(source),
                             source.file + " has SHA-256 " + hash::to_hex(*digest) + ", but the pin is " +
                                 hash::to_hex(*source.pin)};
        }
        return {};
    }

private:
    const std::vector<Source>& sources_;
    Index& index_;
    const std::vector<Identity>& ids_;
    int out_fd_;
    std::string out_path_;
    const WriteOptions& options_;
    std::vector<std::vector<unsigned char>> buffers_;
};

Status write_headers(int fd, const std::string& out_path, const Index& index, const Layout& layout,
                     std::string_view index_bytes, std::string_view signature) {
    auto put = [fd, &out_path](const std::string& bytes, std::uint64_t at) {
        return pwrite_all(fd, bytes.data(), bytes.size(), at, out_path);
    };
    BUNDLE_TRY(put(encode_header(index_entry(index_bytes.size(), index.created)), layout.index.header));
    BUNDLE_TRY(put(std::string(index_bytes), layout.index.data));
    BUNDLE_TRY(put(encode_header(signature_entry(signature.size(), index.created)), layout.signature.header));
    BUNDLE_TRY(put(std::string(signature), layout.signature.data));
    for (std::size_t i = 0; i < index.members.size(); ++i)
        BUNDLE_TRY(put(encode_header(tar_entry(index.members[i], index.created)), layout.members[i].header));
    return {};
}

}  // namespace

Result<Written> write_bundle(std::vector<Source> input, const WriteOptions& options,
                             const std::string& out_path) {
    if (options.key == nullptr) return Error{Code::usage, out_path, "no signing key"};
    auto completed = complete_tree(std::move(input));
    if (!completed) return std::move(completed).error();
    const std::vector<Source>& sources = *completed;

    Index index{kFormatVersion, options.name, options.version, options.arch, options.created,
                options.chunk_size, {}};
    BUNDLE_TRY(check_index_fields(index));
    std::vector<Identity> ids(sources.size());
    std::vector<Item> items;
    Written written;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const Source& source = sources[i];
        Member member{source.path, source.kind, source.kind == Kind::directory ? 0755u : source.mode, 0, 0, {}};
        if (source.kind == Kind::file) {
            struct stat st {};
            auto fd = open_source(source, st);
            if (!fd) return std::move(fd).error();
            ids[i] = Identity{st.st_dev, st.st_ino, static_cast<std::uint64_t>(st.st_size)};
            member.size = ids[i].size;
            member.chunks.resize(chunk_count(member.size, index.chunk_size));
            written.payload_bytes += member.size;
            std::uint64_t n = member.chunks.size();
            if (source.pin) items.push_back(Item{i, 0, n});
            else
                for (std::uint64_t c = 0; c < n; ++c) items.push_back(Item{i, c, 1});
        }
        index.members.push_back(std::move(member));
    }

    std::uint64_t signature_size = encode_signature(options.key->public_key(), sign::Signature{}).size();
    auto layout = settle_layout(index, signature_size);
    if (!layout) return std::move(layout).error();
    if (layout->index.size > kMaxIndexBytes)
        return Error{Code::invalid_input, out_path, "the index would be " + std::to_string(layout->index.size) +
                                                        " bytes, more than a reader accepts; use fewer or larger files"};

    auto out = AtomicFile::create(out_path, 0644);
    if (!out) return std::move(out).error();
    BUNDLE_TRY(reserve_space(out->fd(), layout->total_size, out_path));

    ChunkCopier copier(sources, index, ids, out->fd(), out_path, options);
    BUNDLE_TRY(parallel_for(
        items.size(), options.jobs, [&](std::size_t i, unsigned worker) { return copier.copy(items[i], worker); },
        options.cancel));

    std::string index_bytes = serialize_index(index);
    if (index_bytes.size() != layout->index.size)
        return Error{Code::internal, out_path, "index size changed after layout"};
    auto signature = options.key->sign(index_bytes);
    if (!signature) return std::move(signature).error();
    std::string signature_text = encode_signature(options.key->public_key(), *signature);
    BUNDLE_TRY(write_headers(out->fd(), out_path, index, *layout, index_bytes, signature_text));
    BUNDLE_TRY(out->commit());

    written.path = out_path;
    written.size = layout->total_size;
    written.members = index.members.size();
    return written;
}

}  // namespace bundle::format
