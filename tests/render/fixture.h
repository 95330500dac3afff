// A 3-node cluster for render tests, built in memory (the parser has tests of its own), with
// secrets made afresh by the test: nothing secret is committed, so golden files name every key,
// token and digest with a placeholder (@WG_PRIVATE:node-1@, @K3S_TOKEN@, ...) that
// `placeholders()` maps to this run's values.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "render/bundle_ref.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::test {

spec::Cluster three_node_cluster();
spec::Secrets fresh_secrets(const spec::Cluster& cluster);
// The digests are those of short texts hashed here, standing in for a real bundle's.
render::BundleRef stand_in_bundle(const spec::Secrets& secrets);

// (placeholder, value) pairs for every secret and digest of this run.
std::vector<std::pair<std::string, std::string>> placeholders(const spec::Cluster& cluster, const spec::Secrets& secrets,
                                                              const render::BundleRef& bundle);
std::string replace_all(std::string text, const std::string& from, const std::string& to);

}  // namespace bundle::test
