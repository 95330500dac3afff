#include "render/bundle_ref.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>

#include "format/verify.h"
#include "hash/sha256.h"

namespace bundle::render {
namespace {

constexpr std::size_t kReadSize = 1 << 20;

// SHA-256 of `size` bytes of `fd` from `offset`, read with pread so the descriptor's position
// does not matter.
Result<std::string> hash_range(int fd, std::uint64_t offset, std::uint64_t size, const std::string& where) {
    auto buffer = std::make_unique_for_overwrite<unsigned char[]>(kReadSize);
    hash::Sha256 hasher;
    while (size > 0) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, kReadSize));
        ssize_t n = ::pread(fd, buffer.get(), want, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return system_error(Code::io, where, "cannot read", errno);
        if (n == 0) return Error{Code::structure, where, "ends early"};
        BUNDLE_TRY(hasher.update(buffer.get(), static_cast<std::size_t>(n)));
        offset += static_cast<std::uint64_t>(n);
        size -= static_cast<std::uint64_t>(n);
    }
    auto digest = hasher.finish();
    if (!digest) return std::move(digest).error();
    return hash::to_hex(*digest);
}

}  // namespace

Result<BundleRef> describe_bundle(const std::string& path, const sign::PublicKey& key, unsigned jobs) {
    auto bundle = format::open_bundle(path, &key);
    if (!bundle) return std::move(bundle).error();
    BUNDLE_TRY(format::verify_members(*bundle, {jobs, nullptr, nullptr}));
    const auto& members = bundle->index.members;
    auto agent = std::find_if(members.begin(), members.end(),
                              [](const format::Member& m) { return m.path == kAgentMember; });
    if (agent == members.end() || agent->kind != format::Kind::file)
        return Error{Code::invalid_input, path,
                     std::string("has no ") + kAgentMember + " (the node agent), so it cannot bootstrap a node"};
    BundleRef ref;
    ref.file_name = std::filesystem::path(path).filename().string();
    ref.image = bundle->index.name;
    ref.version = bundle->index.version;
    ref.size = bundle->file_size;
    ref.signing_key = sign::public_key_base64(key);
    auto whole = hash_range(bundle->fd.get(), 0, bundle->file_size, path);
    if (!whole) return std::move(whole).error();
    ref.sha256 = std::move(*whole);
    auto agent_digest = hash_range(bundle->fd.get(), agent->offset, agent->size, path + ": " + kAgentMember);
    if (!agent_digest) return std::move(agent_digest).error();
    ref.agent_sha256 = std::move(*agent_digest);
    return ref;
}

}  // namespace bundle::render
