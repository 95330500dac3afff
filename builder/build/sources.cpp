#include "build/sources.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace bundle::build {
namespace {

std::string location(const spec::Artifact& artifact) {
    const spec::Location& at = artifact.where;
    return at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
           " (artifact '" + artifact.name + "')";
}

Status add_payload(const std::filesystem::path& root, std::vector<format::Source>& out) {
    struct stat st {};
    if (::lstat(root.c_str(), &st) != 0) return system_error(Code::io, root.string(), "cannot read payload folder", errno);
    if (!S_ISDIR(st.st_mode)) return Error{Code::invalid_input, root.string(), "payload is not a directory"};
    out.push_back(format::Source{kPayloadDir, format::Kind::directory, 0755, {}, {}, root.string()});

    std::error_code ec;
    std::filesystem::recursive_directory_iterator it(root, std::filesystem::directory_options::none, ec);
    for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        const std::filesystem::path& path = it->path();
        std::string member = std::string(kPayloadDir) + "/" + path.lexically_relative(root).generic_string();
        if (::lstat(path.c_str(), &st) != 0) return system_error(Code::io, path.string(), "cannot stat", errno);
        if (S_ISDIR(st.st_mode)) {
            out.push_back(format::Source{member, format::Kind::directory, 0755, {}, {}, path.string()});
        } else if (S_ISREG(st.st_mode)) {
            std::uint32_t mode = (st.st_mode & S_IXUSR) ? 0755 : 0644;
            out.push_back(format::Source{member, format::Kind::file, mode, path.string(), {}, path.string()});
        } else {
            return Error{Code::unsafe_path, path.string(),
                         S_ISLNK(st.st_mode) ? "is a symbolic link; the payload may hold only files and folders"
                                             : "is not a regular file or folder"};
        }
    }
    if (ec) return Error{Code::io, root.string(), "cannot walk the payload folder: " + ec.message()};
    return {};
}

}  // namespace

std::string image_archive_member(const std::string& group) { return "images/" + group + ".oci.tar"; }

Result<std::vector<format::Source>> collect_sources(const spec::Image& image, const Fetched& fetched) {
    std::vector<format::Source> sources;
    for (const spec::Artifact& artifact : image.artifacts) {
        format::Source source{artifact.dest, format::Kind::file, artifact.mode, {}, {}, location(artifact)};
        std::optional<std::string> pin = artifact.sha256;
        if (artifact.source) {
            source.file = artifact.source->string();
        } else {
            auto found = fetched.materials ? fetched.materials->artifacts.find(artifact.name)
                                           : std::map<std::string, std::filesystem::path>::const_iterator{};
            if (!fetched.materials || found == fetched.materials->artifacts.end() || !fetched.lock)
                return Error{Code::internal, location(artifact), "artifact was not fetched"};
            source.file = found->second.string();
            for (const spec::LockedArtifact& locked : fetched.lock->artifacts)
                if (locked.name == artifact.name) pin = locked.sha256;
        }
        if (pin) {
            source.pin = hash::sha256_from_hex(*pin);
            if (!source.pin) return Error{Code::invalid_input, location(artifact), "sha256 pin is not 64 hex digits"};
        }
        sources.push_back(std::move(source));
    }
    for (const spec::ImageGroup& group : image.images) {
        auto archive = fetched.archives.find(group.name);
        if (archive == fetched.archives.end())
            return Error{Code::internal, group.name, "image group was not archived"};
        sources.push_back(format::Source{image_archive_member(group.name), format::Kind::file, 0644,
                                         archive->second.string(), {},
                                         spec::to_string(group.where) + " (images '" + group.name + "')"});
    }
    if (image.payload) BUNDLE_TRY(add_payload(*image.payload, sources));
    return sources;
}

}  // namespace bundle::build
