// Files of the repository compiled into the tool, so that `bundle cloud-init` and `bundle init`
// work from any folder: the node bootstrap script (cloud-init/bootstrap.sh) and the commented
// cluster definition (cloud-init/cluster.example.yaml). CMake writes their definitions from the
// files themselves (render/embedded.cpp.in), so the repository keeps one copy of each.
#pragma once

#include <string_view>

namespace bundle::render {

std::string_view bootstrap_script();
std::string_view cluster_example();

}  // namespace bundle::render
