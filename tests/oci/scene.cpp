#include "scene.h"

#include <stdexcept>

#include "hash/sha256.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace bundle::test::oci {
namespace {

spec::Descriptor descriptor(const nlohmann::json& value) {
    return spec::Descriptor{value.at("digest").get<std::string>(),
                            value.at("size").get<std::uint64_t>(),
                            value.at("mediaType").get<std::string>()};
}

}  // namespace

std::filesystem::path script(const std::string& name) {
    return std::filesystem::path(BUNDLE_OCI_TEST_DIR) / name;
}

spec::Descriptor Layout::top(const std::string& tag) const {
    return descriptor(summary.at(tag).at("top"));
}

spec::Descriptor Layout::manifest(const std::string& tag, const std::string& platform) const {
    return descriptor(summary.at(tag).at("platforms").at(platform).at("manifest"));
}

std::vector<spec::Descriptor> Layout::blobs(const std::string& tag,
                                            const std::string& platform) const {
    std::vector<spec::Descriptor> out;
    for (const auto& blob : summary.at(tag).at("platforms").at(platform).at("blobs"))
        out.push_back(descriptor(blob));
    return out;
}

spec::LockedImage Layout::locked(const std::string& group, const std::string& reference,
                                 const std::string& tag, const std::string& platform) const {
    return spec::LockedImage{group, reference, top(tag), manifest(tag, platform),
                             blobs(tag, platform)};
}

std::string Layout::blob(const std::string& digest) const {
    return read_file(dir / "blobs" / "sha256" / digest.substr(7));
}

std::vector<std::string> Layout::all_digests() const {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "blobs" / "sha256"))
        out.push_back("sha256:" + entry.path().filename().string());
    return out;
}

Layout make_layout(const std::filesystem::path& dir) {
    std::filesystem::path log = dir.parent_path() / "make_layout.log";
    if (run({"python3", script("make_layout.py").string(), dir.string()}, log) != 0)
        throw std::runtime_error("make_layout.py failed: " + read_file(log));
    return Layout{dir, nlohmann::json::parse(read_file(dir / "summary.json"))};
}

fetch::Cache open_cache(const std::filesystem::path& dir) {
    auto cache = fetch::Cache::open(dir);
    if (!cache)
        throw std::runtime_error("cannot open cache: " + cache.error().describe());
    return std::move(*cache);
}

void put_in_cache(const Layout& layout, const fetch::Cache& cache) {
    for (const std::string& digest : layout.all_digests()) {
        auto stored = cache.insert_bytes(layout.blob(digest));
        if (!stored)
            throw std::runtime_error(stored.error().describe());
    }
}

bool cached(const fetch::Cache& cache, const std::string& digest) {
    auto hex = hash::sha256_from_hex(digest.substr(7));
    if (!hex)
        throw std::invalid_argument("not a digest: " + digest);
    auto found = cache.find(*hex);
    return found && found->has_value();
}

std::size_t cache_entries(const fetch::Cache& cache) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(cache.root() / "sha256"))
        if (entry.path().extension().empty())
            ++count;
    return count;
}

bundle::oci::RegistryOptions quick_options() {
    bundle::oci::RegistryOptions options;
    options.http.max_attempts = 1;
    options.http.connect_timeout_seconds = 5;
    options.docker_config = "/nonexistent/config.json";  // never the tester's own credentials
    return options;
}

}  // namespace bundle::test::oci
