#include "oci/layout.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "hash/sha256.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "spec/reference.h"

namespace bundle::oci {
namespace {

constexpr std::size_t chunk_size = 1u << 20;

struct ArchiveFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

Error archive_error(archive* a, const std::filesystem::path& out, const std::string& what) {
    const char* message = archive_error_string(a);
    return Error{Code::io, out.string(),
                 what + ": " + (message != nullptr ? message : "libarchive error")};
}

// One entry's header, reproducible: owner 0:0, no names, mtime 0.
Status write_header(archive* a, const std::string& name, bool directory, std::uint64_t size,
                    const std::filesystem::path& out) {
    EntryPtr entry(archive_entry_new());
    if (!entry)
        return Error{Code::io, out.string(), "out of memory"};
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry.get(), directory ? 0755 : 0644);
    archive_entry_set_size(entry.get(), directory ? 0 : static_cast<la_int64_t>(size));
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), 0, 0);
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK)
        return archive_error(a, out, "writing " + name);
    return {};
}

Status write_data(archive* a, const char* data, std::size_t size, const std::string& name,
                  const std::filesystem::path& out) {
    if (size == 0)
        return {};
    la_ssize_t written = archive_write_data(a, data, size);
    if (written < 0 || static_cast<std::size_t>(written) != size)
        return archive_error(a, out, "writing " + name);
    return {};
}

Status write_bytes(archive* a, const std::string& name, const std::string& bytes,
                   const std::filesystem::path& out) {
    BUNDLE_TRY(write_header(a, name, false, bytes.size(), out));
    return write_data(a, bytes.data(), bytes.size(), name, out);
}

// Copies a cached blob into the archive, hashing it on the way: the cache's XXH3 check guards
// against rot, this guards against anything else (the archive is what nodes trust).
Status write_blob(archive* a, const fetch::Cache& cache, const std::string& digest,
                  std::uint64_t size, const std::filesystem::path& out) {
    auto expected = hash::sha256_from_hex(std::string_view(digest).substr(7));
    if (!expected)
        return Error{Code::invalid_input, digest, "not a sha256 digest"};
    auto found = cache.find(*expected);
    if (!found)
        return std::move(found).error();
    if (!*found)
        return Error{Code::io, digest,
                     "blob missing from the download cache (fetch the images first)"};
    const std::filesystem::path& path = **found;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid())
        return system_error(Code::io, path.string(), "cannot open cached blob " + digest, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return system_error(Code::io, path.string(), "cannot stat", errno);
    if (static_cast<std::uint64_t>(st.st_size) != size)
        return Error{
            Code::digest, digest,
            "cached blob is " + std::to_string(st.st_size) + " bytes, not " + std::to_string(size)};
    std::string name = "blobs/sha256/" + digest.substr(7);
    BUNDLE_TRY(write_header(a, name, false, size, out));
    hash::Sha256 hasher;
    std::vector<char> buffer(chunk_size);
    std::uint64_t total = 0;
    while (true) {
        ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return system_error(Code::io, path.string(), "cannot read cached blob", errno);
        }
        if (got == 0)
            break;
        total += static_cast<std::uint64_t>(got);
        if (total > size)
            return Error{Code::digest, digest, "cached blob grew while being read"};
        BUNDLE_TRY(hasher.update(buffer.data(), static_cast<std::size_t>(got)));
        BUNDLE_TRY(write_data(a, buffer.data(), static_cast<std::size_t>(got), name, out));
    }
    auto actual = hasher.finish();
    if (!actual)
        return std::move(actual).error();
    if (total != size || *actual != *expected)
        return Error{Code::digest, digest,
                     "cached blob no longer matches its digest (" + path.string() + ")"};
    return {};
}

// index.json: one descriptor per image, its original top-level blob, named for containerd.
Result<std::string> layout_index(const std::vector<spec::LockedImage>& images) {
    std::map<std::string, nlohmann::json> entries;  // by full name: sorted, duplicates once
    for (const spec::LockedImage& image : images) {
        auto reference = spec::parse_image_reference(image.reference);
        if (!reference)
            return std::move(reference).error();
        nlohmann::json annotations{{"io.containerd.image.name", reference->full()}};
        if (reference->tag)
            annotations["org.opencontainers.image.ref.name"] = *reference->tag;
        entries[reference->full()] = nlohmann::json{{"mediaType", image.top.media_type},
                                                    {"digest", image.top.digest},
                                                    {"size", image.top.size},
                                                    {"annotations", annotations}};
    }
    nlohmann::json index{{"schemaVersion", 2},
                         {"mediaType", std::string(media_type::oci_index)},
                         {"manifests", nlohmann::json::array()}};
    for (auto& [name, entry] : entries) index["manifests"].push_back(std::move(entry));
    return index.dump() + "\n";
}

// Every blob of the group once, sorted by digest; the same digest with two sizes is an error.
Result<std::map<std::string, std::uint64_t>> layout_blobs(
    const std::vector<spec::LockedImage>& images) {
    std::map<std::string, std::uint64_t> blobs;
    for (const spec::LockedImage& image : images) {
        std::vector<const spec::Descriptor*> all{&image.top, &image.manifest};
        for (const spec::Descriptor& blob : image.blobs) all.push_back(&blob);
        for (const spec::Descriptor* descriptor : all) {
            if (!is_sha256_digest(descriptor->digest))
                return Error{Code::invalid_input, image.reference,
                             "\"" + descriptor->digest + "\" is not a sha256 digest"};
            auto [it, added] = blobs.emplace(descriptor->digest, descriptor->size);
            if (!added && it->second != descriptor->size)
                return Error{Code::invalid_input, image.reference,
                             descriptor->digest + " is given two different sizes"};
        }
    }
    return blobs;
}

}  // namespace

Status write_layout_archive(const std::vector<spec::LockedImage>& images, const fetch::Cache& cache,
                            const std::filesystem::path& out) {
    try {
        auto index = layout_index(images);
        if (!index)
            return std::move(index).error();
        auto blobs = layout_blobs(images);
        if (!blobs)
            return std::move(blobs).error();

        auto file = AtomicFile::create(out.string(), 0644);
        if (!file)
            return std::move(file).error();
        ArchivePtr a(archive_write_new());
        if (!a)
            return Error{Code::io, out.string(), "out of memory"};
        if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
            archive_write_open_fd(a.get(), file->fd()) != ARCHIVE_OK)
            return archive_error(a.get(), out, "starting the archive");

        BUNDLE_TRY(write_header(a.get(), "blobs/", true, 0, out));
        BUNDLE_TRY(write_header(a.get(), "blobs/sha256/", true, 0, out));
        for (const auto& [digest, size] : *blobs)
            BUNDLE_TRY(write_blob(a.get(), cache, digest, size, out));
        BUNDLE_TRY(write_bytes(a.get(), "index.json", *index, out));
        BUNDLE_TRY(write_bytes(a.get(), "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}\n", out));
        if (archive_write_close(a.get()) != ARCHIVE_OK)
            return archive_error(a.get(), out, "finishing the archive");
        return file->commit();
    } catch (const nlohmann::json::exception& e) {
        return Error{Code::internal, out.string(), std::string("building index.json: ") + e.what()};
    }
}

}  // namespace bundle::oci
