#include "format/verify.h"

#include <algorithm>

#include "core/parallel.h"

namespace bundle::format {

// The order matters for extraction, where two workers writing the same file, or creating files in
// the same directory, wait on that inode's lock. Chunks of large members are dealt round-robin
// across the members, and alternate with the small members (one item each), so that neighbouring
// items, which run at the same time, touch different files.
std::vector<ChunkRef> plan_chunks(const Index& index) {
    std::vector<ChunkRef> small;
    std::vector<std::size_t> large;
    std::uint64_t most_chunks = 0;
    for (std::size_t m = 0; m < index.members.size(); ++m) {
        std::uint64_t n = index.members[m].chunks.size();
        if (n <= 1) {
            small.push_back(ChunkRef{m, 0});
        } else {
            large.push_back(m);
            most_chunks = std::max(most_chunks, n);
        }
    }
    std::vector<ChunkRef> dealt;
    for (std::uint64_t c = 0; c < most_chunks; ++c)
        for (std::size_t m : large)
            if (c < index.members[m].chunks.size()) dealt.push_back(ChunkRef{m, c});

    std::vector<ChunkRef> refs;
    refs.reserve(small.size() + dealt.size());
    for (std::size_t i = 0; i < std::max(small.size(), dealt.size()); ++i) {
        if (i < dealt.size()) refs.push_back(dealt[i]);
        if (i < small.size()) refs.push_back(small[i]);
    }
    return refs;
}

Status read_checked_chunk(const OpenBundle& bundle, const ChunkRef& ref, ChunkBuffer& buffer) {
    const Member& member = bundle.index.members[ref.member];
    const Span& span = bundle.layout.members[ref.member];
    const int fd = bundle.fd.get();

    if (ref.chunk == 0) {
        std::string expected = encode_header(tar_entry(member, bundle.index.created));
        std::string actual(expected.size(), '\0');
        BUNDLE_TRY(pread_exact(fd, actual.data(), actual.size(), span.header, bundle.path + " (" + member.path + ")"));
        if (actual != expected)
            return Error{Code::structure, member.path,
                         "tar header differs from the one the index implies (entry altered or replaced)"};
    }

    std::uint64_t start = ref.chunk * bundle.index.chunk_size;
    std::uint64_t length = member.size == 0 ? 0 : std::min(bundle.index.chunk_size, member.size - start);
    buffer.resize(static_cast<std::size_t>(length));
    if (length > 0) {
        BUNDLE_TRY(pread_exact(fd, buffer.data(), buffer.size(), span.data + start, bundle.path + " (" + member.path + ")"));
        auto digest = hash::sha256(buffer.data(), buffer.size());
        if (!digest) return std::move(digest).error();
        if (*digest != member.chunks[ref.chunk])
            return Error{Code::digest, member.path,
                         "content does not match the index: chunk " + std::to_string(ref.chunk + 1) + " of " +
                             std::to_string(member.chunks.size()) + " (bytes " + std::to_string(start) + "-" +
                             std::to_string(start + length - 1) + ") has another SHA-256"};
    }

    bool last = ref.chunk + 1 >= member.chunks.size();
    if (last && padded(member.size) != member.size) {
        std::size_t pad = static_cast<std::size_t>(padded(member.size) - member.size);
        unsigned char zeros[kBlock];
        BUNDLE_TRY(pread_exact(fd, zeros, pad, span.data + member.size, bundle.path + " (" + member.path + ")"));
        for (std::size_t i = 0; i < pad; ++i)
            if (zeros[i] != 0) return Error{Code::structure, member.path, "non-zero bytes in the padding after the data"};
    }
    return {};
}

Status verify_members(const OpenBundle& bundle, const CheckOptions& options) {
    std::vector<ChunkRef> refs = plan_chunks(bundle.index);
    std::vector<ChunkBuffer> buffers(worker_count(options.jobs));
    return parallel_for(refs.size(), options.jobs, [&](std::size_t i, unsigned worker) -> Status {
        BUNDLE_TRY(read_checked_chunk(bundle, refs[i], buffers[worker]));
        if (options.progress) options.progress->fetch_add(buffers[worker].size(), std::memory_order_relaxed);
        return {};
    }, options.cancel);
}

}  // namespace bundle::format
