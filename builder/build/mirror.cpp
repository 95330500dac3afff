#include "build/mirror.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "fetch/mirror.h"
#include "hash/sha256.h"
#include "spec/reference.h"

namespace bundle::build {
namespace {

// Creates `relative`'s parent folders below `root`, refusing any component that exists and is
// not a real folder (a link would send the mirror's files elsewhere).
Status make_parents(const std::filesystem::path& root, const std::filesystem::path& relative) {
    std::filesystem::path at = root;
    for (const auto& part : relative.parent_path()) {
        at /= part;
        struct stat st {};
        if (::lstat(at.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) return Error{Code::unsafe_path, at.string(), "is not a folder (links are not followed)"};
        } else if (errno != ENOENT || (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST)) {
            return system_error(Code::io, at.string(), "cannot create folder", errno);
        }
    }
    return {};
}

Status copy_atomically(const std::filesystem::path& from, const std::filesystem::path& to) {
    auto in = open_for_reading(from.string());
    if (!in) return std::move(in).error();
    auto out = AtomicFile::create(to.string(), 0644);
    if (!out) return std::move(out).error();
    for (;;) {
        ssize_t n = ::copy_file_range(in->get(), nullptr, out->fd(), nullptr, 1u << 30, 0);
        if (n == 0) break;
        if (n < 0) return system_error(Code::io, to.string(), "cannot copy " + from.string(), errno);
    }
    return out->commit();
}

class Writer {
public:
    Writer(const fetch::Cache& cache, std::filesystem::path root) : cache_(cache), root_(std::move(root)) {}

    Status put(const std::string& relative, const std::string& sha256_hex, const std::string& what) {
        auto digest = hash::sha256_from_hex(sha256_hex);
        if (!digest) return Error{Code::invalid_input, what, "locked digest is not 64 hex digits"};
        auto found = cache_.find(*digest);
        if (!found) return std::move(found).error();
        if (!*found)
            return Error{Code::invalid_input, what,
                         "is not in the cache; run `bundle fetch --locked` for this image first"};
        BUNDLE_TRY(make_parents(root_, relative));
        BUNDLE_TRY(copy_atomically(**found, root_ / relative));
        std::error_code ec;
        written_.bytes += std::filesystem::file_size(**found, ec);
        ++written_.files;
        return {};
    }
    const MirrorWritten& written() const { return written_; }

private:
    const fetch::Cache& cache_;
    std::filesystem::path root_;
    MirrorWritten written_;
};

std::string hex_of(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

}  // namespace

Result<MirrorWritten> write_mirror(const spec::Lock& lock, const fetch::Cache& cache, const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{Code::io, dir.string(), "cannot create the mirror folder: " + ec.message()};
    Writer writer(cache, dir);
    for (const spec::LockedArtifact& artifact : lock.artifacts) {
        auto relative = fetch::Mirror::disk_path(artifact.url);
        if (!relative) return std::move(relative).error();
        BUNDLE_TRY(writer.put(*relative, artifact.sha256, artifact.name));
    }
    for (const spec::LockedImage& image : lock.images) {
        auto reference = spec::parse_image_reference(image.reference);
        if (!reference) return std::move(reference).error();
        std::string base = "v2/" + reference->registry + "/" + reference->repository + "/";
        if (reference->tag) BUNDLE_TRY(writer.put(base + "manifests/" + *reference->tag, hex_of(image.top.digest), image.reference));
        BUNDLE_TRY(writer.put(base + "manifests/" + image.top.digest, hex_of(image.top.digest), image.reference));
        if (image.manifest.digest != image.top.digest)
            BUNDLE_TRY(writer.put(base + "manifests/" + image.manifest.digest, hex_of(image.manifest.digest), image.reference));
        for (const spec::Descriptor& blob : image.blobs)
            BUNDLE_TRY(writer.put(base + "blobs/" + blob.digest, hex_of(blob.digest), image.reference + " " + blob.digest));
    }
    return writer.written();
}

}  // namespace bundle::build
