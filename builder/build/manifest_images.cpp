#include "build/manifest_images.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "build/yaml_values.h"
#include "spec/small_file.h"

namespace bundle::build {
namespace {

constexpr std::uint64_t max_manifest = 64 * 1024 * 1024;
constexpr int max_depth = 200;  // far deeper than any Kubernetes object nests

bool is_container_list(std::string_view key) {
    constexpr std::array<std::string_view, 3> keys = {"containers", "initContainers",
                                                      "ephemeralContainers"};
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void collect(const YAML::Node& node, const std::string& origin, int depth,
             std::vector<RequiredImage>& out) {
    if (depth > max_depth)
        return;
    if (node.IsSequence()) {
        for (const YAML::Node& item : node) collect(item, origin, depth + 1, out);
        return;
    }
    if (!node.IsMap())
        return;
    for (const auto& pair : node) {
        if (pair.first.IsScalar() && is_container_list(pair.first.Scalar()) &&
            pair.second.IsSequence()) {
            for (const YAML::Node& container : pair.second) {
                if (auto image = non_empty_text(find_key(container, "image")))
                    out.push_back({*image, origin});
            }
        }
        collect(pair.second, origin, depth + 1, out);
    }
}

// "Deployment argocd-server", or "document N" for one without kind and name.
std::string describe(const YAML::Node& document, std::size_t index) {
    auto kind = non_empty_text(find_key(document, "kind"));
    auto name = non_empty_text(find_path(document, "metadata.name"));
    if (!kind && !name)
        return "document " + std::to_string(index + 1);
    return kind.value_or("(no kind)") + " " + name.value_or("(no name)");
}

}  // namespace

Result<std::vector<RequiredImage>> manifest_images(const std::filesystem::path& file,
                                                   const std::string& label) {
    auto text = spec::read_small_file(file, max_manifest, label, "64 MiB");
    if (!text)
        return std::move(text).error();
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(*text);
    } catch (const YAML::Exception& e) {
        return Error{Code::invalid_input, file.string(),
                     label + " is not valid YAML: line " + std::to_string(e.mark.line + 1) +
                         ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg};
    }
    std::vector<RequiredImage> images;
    for (std::size_t i = 0; i < documents.size(); ++i)
        collect(documents[i], label + ", " + describe(documents[i], i), 0, images);
    return images;
}

}  // namespace bundle::build
