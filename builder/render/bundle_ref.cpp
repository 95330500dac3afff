#include "render/bundle_ref.h"

#include <algorithm>
#include <filesystem>
#include <memory>

#include "core/fd.h"
#include "format/verify.h"
#include "hash/sha256.h"

namespace bundle::render {
namespace {

constexpr std::size_t kReadSize = 1 << 20;

// SHA-256 of `size` bytes of `fd` from `offset`. The whole-file digest is a second, serial pass
// after the parallel verification: the index records chunk digests, not the file's, and the
// node checks the signature and every chunk again itself, so this digest only has to name the
// file, which is what was just verified through the same descriptor.
Result<std::string> hash_range(int fd, std::uint64_t offset, std::uint64_t size, const std::string& where) {
    auto buffer = std::make_unique_for_overwrite<unsigned char[]>(kReadSize);
    hash::Sha256 hasher;
    while (size > 0) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, kReadSize));
        BUNDLE_TRY(pread_exact(fd, buffer.get(), want, offset, where));
        BUNDLE_TRY(hasher.update(buffer.get(), want));
        offset += want;
        size -= want;
    }
    auto digest = hasher.finish();
    if (!digest) return std::move(digest).error();
    return hash::to_hex(*digest);
}

}  // namespace

Result<BundleRef> describe_bundle(const std::string& path, const sign::PublicKey& key, unsigned jobs,
                                  Check check) {
    auto bundle = format::open_bundle(path, &key);
    if (!bundle) return std::move(bundle).error();
    if (check == Check::every_byte) BUNDLE_TRY(format::verify_members(*bundle, {jobs, nullptr, nullptr}));
    const auto& members = bundle->index.members;
    auto agent = std::find_if(members.begin(), members.end(),
                              [](const format::Member& m) { return m.path == kAgentMember; });
    if (agent == members.end() || agent->kind != format::Kind::file)
        return Error{Code::invalid_input, path,
                     std::string("has no ") + kAgentMember + " (the node agent), so it cannot bootstrap a node"};
    BundleRef ref;
    // Nodes fetch the bundle by the name `bundle build` gives it; one published under another
    // name would never be found, so a renamed copy is refused here rather than on the nodes.
    ref.file_name = bundle->index.name + "-" + std::to_string(bundle->index.version) + ".bundle";
    if (std::filesystem::path(path).filename() != ref.file_name)
        return Error{Code::invalid_input, path,
                     "is named otherwise than the nodes will fetch it (" + ref.file_name +
                         ", its image name and version): rename it, and publish it under that name"};
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
