// The container images that Kubernetes YAML deploys: every string `image` of an item of a
// `containers`, `initContainers` or `ephemeralContainers` sequence, wherever it sits in a
// document (a Deployment's pod template, a CronJob's job template, a bare Pod alike). Schemas
// that merely describe such fields (a CRD's openAPIV3Schema has `containers` as a mapping) name
// no image and are passed over.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "build/required_image.h"
#include "core/error.h"

namespace bundle::build {

// Every image of the (multi-document) YAML file, in document order, each with an origin such as
// "manifests 'argocd-install', Deployment argocd-server" (`label` is "manifests
// 'argocd-install'"). A file that cannot be read is Code::io; one larger than 64 MiB or that is
// not valid YAML is Code::invalid_input naming the file and the line.
Result<std::vector<RequiredImage>> manifest_images(const std::filesystem::path& file,
                                                   const std::string& label);

}  // namespace bundle::build
