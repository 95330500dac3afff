// Shared set-up of the oci tests: the OCI layout make_layout.py writes (tags single, multi,
// other; see that script), its summary as descriptors, a cache in the test's folder, and
// registry options that fail fast instead of retrying for seconds.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fetch/cache.h"
#include "oci/registry.h"
#include "spec/lock.h"

namespace bundle::test::oci {

std::filesystem::path script(const std::string& name);

struct Layout {
    std::filesystem::path dir;
    nlohmann::json summary;

    spec::Descriptor top(const std::string& tag) const;
    spec::Descriptor manifest(const std::string& tag, const std::string& platform) const;
    std::vector<spec::Descriptor> blobs(const std::string& tag, const std::string& platform) const;
    // What resolve() should return for `reference` (which names `tag`) on `platform`.
    spec::LockedImage locked(const std::string& group, const std::string& reference,
                             const std::string& tag, const std::string& platform) const;
    std::string blob(const std::string& digest) const;
    std::vector<std::string> all_digests() const;  // every blob in the layout
};

Layout make_layout(const std::filesystem::path& dir);
fetch::Cache open_cache(const std::filesystem::path& dir);
void put_in_cache(const Layout& layout, const fetch::Cache& cache);  // every blob of the layout
bool cached(const fetch::Cache& cache, const std::string& digest);
std::size_t cache_entries(const fetch::Cache& cache);  // files in <root>/sha256 minus sidecars
bundle::oci::RegistryOptions quick_options();

}  // namespace bundle::test::oci
