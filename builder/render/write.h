// dist/cloud-init/<node>.yaml for every node of a cluster. Every node's user-data is rendered
// before any is written, so a node that does not fit leaves the folder as it was. The folder is
// 0700 and each file 0600, written atomically: they hold the nodes' keys and the K3s token.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "render/bundle_ref.h"
#include "render/user_data.h"
#include "spec/cluster.h"
#include "spec/secrets.h"

namespace bundle::render {

struct WrittenUserData {
    std::string node;
    std::string path;
    std::size_t size = 0;
    std::vector<std::string> compressed;
};

Result<std::vector<WrittenUserData>> write_user_data(const spec::Cluster& cluster, const spec::Secrets& secrets,
                                                     const BundleRef& bundle, const std::string& out_dir,
                                                     const UserDataOptions& options = {});

}  // namespace bundle::render
