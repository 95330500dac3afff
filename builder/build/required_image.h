// An image that something in the bundle will ask the container runtime for, and where that
// demand comes from, as the completeness gate (completeness.h) reports it.
#pragma once

#include <string>

namespace bundle::build {

struct RequiredImage {
    std::string reference;  // as the chart or manifest hands it to the runtime
    std::string origin;     // "chart 'cilium', values key hubble.relay.image"
};

}  // namespace bundle::build
