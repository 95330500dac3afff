// The container images a Cilium chart deploys with given (merged) values. A chart's templates
// decide what it deploys and cannot be run here, so the rules are written down for the one chart
// layout the shipped image checks, Cilium's (1.18), read from its values.yaml and templates:
//
//   values key                    required when
//   image                         agent (default true)
//   operator.image                operator.enabled (default true); the generic operator, named
//                                 <repository>-generic<suffix>, digest in genericDigest
//   envoy.image                   envoy.enabled; null or absent counts as true, as the chart
//                                 decides for new installations
//   hubble.relay.image            hubble.enabled and hubble.relay.enabled
//   hubble.ui.frontend.image,     hubble.ui.enabled, and hubble.enabled or
//   hubble.ui.backend.image       hubble.ui.standalone.enabled
//   certgen.image                 hubble's TLS (hubble.enabled, hubble.tls.enabled,
//                                 hubble.tls.auto.enabled) made by hubble.tls.auto.method
//                                 cronJob, or the same for clustermesh.apiserver.tls.auto with
//                                 clustermesh.useAPIServer
//   clustermesh.apiserver.image   clustermesh.useAPIServer
//   preflight.image               preflight.enabled (and preflight.envoy.image, when present)
//   nodeinit.image                nodeinit.enabled
//
// "Enabled" follows Go templates' truth (yaml_values.h). An image entry is a mapping of
// `repository`, `tag`, `digest` (`genericDigest` for the operator) and `useDigest`; its
// reference is repository[:tag][@digest], the digest only when useDigest is true, or `override`
// whole when that is set. A chart of another layout is not silently passed: its missing keys
// are reported.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "build/required_image.h"
#include "core/error.h"

namespace bundle::build {

// `chart` names the chart in origins and messages ("chart 'cilium'"); `where` is the file
// errors are about. An enabled component whose image key is missing or malformed is
// Code::invalid_input naming the key.
Result<std::vector<RequiredImage>> cilium_chart_images(const YAML::Node& values,
                                                       const std::string& chart,
                                                       const std::string& where);

}  // namespace bundle::build
