#include "build/build.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "build/completeness.h"
#include "build/materials.h"
#include "build/sources.h"
#include "core/fd.h"
#include "core/safe_fs.h"
#include "oci/layout.h"
#include "sign/ed25519.h"
#include "spec/image.h"

namespace bundle::build {
namespace {

constexpr char kStagingPrefix[] = ".bundle-build-";

// A folder in the output folder for what the build writes before bundling it (the image
// archives), removed when the build ends; one left by a killed build is removed by the next.
class Staging {
public:
    static Result<Staging> create(const std::string& out_dir) {
        UniqueFd dir(::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir.valid()) return system_error(Code::io, out_dir, "cannot open output folder", errno);
        remove_stale_temporaries(dir.get(), kStagingPrefix);
        std::string pattern = out_dir + "/" + kStagingPrefix + std::to_string(::getpid()) + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) return system_error(Code::io, out_dir, "cannot create a staging folder", errno);
        return Staging(std::move(dir), pattern);
    }
    Staging(Staging&& other) noexcept : dir_(std::move(other.dir_)), path_(std::move(other.path_)) { other.path_.clear(); }
    Staging& operator=(Staging&&) = delete;
    ~Staging() {
        if (!path_.empty()) (void)remove_tree_at(dir_.get(), std::filesystem::path(path_).filename().string(), path_);
    }
    const std::string& path() const { return path_; }

private:
    Staging(UniqueFd dir, std::string path) : dir_(std::move(dir)), path_(std::move(path)) {}
    UniqueFd dir_;
    std::string path_;
};

void announce_total(const std::vector<format::Source>& sources, std::atomic<std::uint64_t>* total) {
    if (total == nullptr) return;
    std::uint64_t sum = 0;
    std::error_code ec;
    for (const auto& source : sources)
        if (source.kind == format::Kind::file) {
            std::uintmax_t size = std::filesystem::file_size(source.file, ec);
            if (!ec) sum += size;  // a missing file is reported by the writer, naming it
        }
    total->store(sum);
}

}  // namespace

Result<format::Written> build_bundle(const BuildOptions& options) {
    auto image = spec::load_image(options.image);
    if (!image) return std::move(image).error();
    auto key = sign::load_private_key(options.key);
    if (!key) return std::move(key).error();

    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    if (ec) return Error{Code::io, options.out_dir, "cannot create output folder: " + ec.message()};

    // Downloads and image archives, for definitions that have any.
    std::optional<spec::Lock> lock;
    Materials materials;
    std::optional<Staging> staging;
    Fetched fetched;
    std::optional<FetchContext> context;
    if (needs_fetching(*image)) {
        auto opened = open_fetch_context(options.fetch);
        if (!opened) return std::move(opened).error();
        context.emplace(std::move(*opened));
        auto pinned = lock_for_build(*image, options.locked, *context);
        if (!pinned) return std::move(pinned).error();
        lock = std::move(*pinned);
        auto got = fetch_materials(*image, *lock, *context);
        if (!got) return std::move(got).error();
        materials = std::move(*got);
        fetched.materials = &materials;
        fetched.lock = &*lock;
    }
    // Every image the charts and manifests deploy is here; checked before the archives are
    // written, so that a missing one is said at once.
    BUNDLE_TRY(check_completeness(*image, fetched));
    if (context) {
        auto made = Staging::create(options.out_dir);
        if (!made) return std::move(made).error();
        staging.emplace(std::move(*made));
        for (const spec::ImageGroup& group : image->images) {
            std::vector<spec::LockedImage> members;
            for (const spec::LockedImage& locked : lock->images)
                if (locked.group == group.name) members.push_back(locked);
            std::filesystem::path archive = std::filesystem::path(staging->path()) / (group.name + ".oci.tar");
            BUNDLE_TRY(oci::write_layout_archive(members, context->cache, archive));
            fetched.archives[group.name] = archive;
        }
    }
    auto sources = collect_sources(*image, fetched);
    if (!sources) return std::move(sources).error();
    announce_total(*sources, options.total);

    std::string out = (std::filesystem::path(options.out_dir) /
                       (image->name + "-" + std::to_string(image->version) + ".bundle")).string();
    format::WriteOptions write{image->name, image->version, image->arch,    options.created, format::kDefaultChunkSize,
                               options.jobs, &*key,          options.progress, options.cancel};
    return format::write_bundle(std::move(*sources), write, out);
}

}  // namespace bundle::build
