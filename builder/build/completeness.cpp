#include "build/completeness.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "build/chart_images.h"
#include "build/chart_values.h"
#include "build/manifest_images.h"
#include "spec/reference.h"

namespace bundle::build {
namespace {

namespace fs = std::filesystem;

// An image of the definition, with what the lock says it resolved to.
struct Held {
    spec::ImageReference reference;
    std::string text;  // as written in the definition
    std::string group;
    std::optional<std::string> digest;  // locked top digest; nullopt when not locked
};

std::vector<Held> held_images(const spec::Image& image, const spec::Lock* lock) {
    std::vector<Held> held;
    for (const spec::ImageGroup& group : image.images) {
        for (const std::string& text : group.references) {
            auto reference = spec::parse_image_reference(text);
            if (!reference)
                continue;  // the definition's parser refused it already
            Held item{std::move(*reference), text, group.name, std::nullopt};
            if (lock != nullptr) {
                for (const spec::LockedImage& locked : lock->images)
                    if (locked.group == group.name && locked.reference == text)
                        item.digest = locked.top.digest;
            }
            held.push_back(std::move(item));
        }
    }
    return held;
}

// All that required one reference, in the order met.
struct Demand {
    std::string reference;
    std::vector<std::string> origins;
};

void add_demands(std::vector<RequiredImage> images, std::vector<Demand>& demands) {
    for (RequiredImage& image : images) {
        auto it = std::find_if(demands.begin(), demands.end(),
                               [&](const Demand& d) { return d.reference == image.reference; });
        if (it == demands.end())
            demands.push_back({std::move(image.reference), {std::move(image.origin)}});
        else if (std::find(it->origins.begin(), it->origins.end(), image.origin) ==
                 it->origins.end())
            it->origins.push_back(std::move(image.origin));
    }
}

Result<fs::path> artifact_file(const spec::Image& image, const std::string& name,
                               const Fetched& fetched) {
    for (const spec::Artifact& artifact : image.artifacts) {
        if (artifact.name != name)
            continue;
        if (artifact.source)
            return *artifact.source;
        if (fetched.materials != nullptr) {
            auto found = fetched.materials->artifacts.find(name);
            if (found != fetched.materials->artifacts.end())
                return found->second;
        }
        break;
    }
    return Error{Code::internal, name, "artifact named by completeness was not fetched"};
}

Result<std::vector<RequiredImage>> demands_of(const spec::Image& image,
                                              const spec::CompletenessCheck& check,
                                              const Fetched& fetched) {
    auto file = artifact_file(image, check.artifact, fetched);
    if (!file)
        return std::move(file).error();
    if (check.kind == spec::CompletenessCheck::Kind::manifests)
        return manifest_images(*file, "manifests '" + check.artifact + "'");
    const std::string label = "chart '" + check.artifact + "'";
    auto values = chart_values(*file, check.values, label);
    if (!values)
        return std::move(values).error();
    return cilium_chart_images(*values, label, file->string());
}

std::string describe_held(const Held& held) {
    return held.text + " (group '" + held.group + "', " +
           (held.digest ? "locked at " + *held.digest : std::string("not locked")) + ")";
}

// Why the bundle does not satisfy `demand`, or nullopt when it does.
std::optional<std::string> shortfall(const Demand& demand, const std::vector<Held>& held) {
    auto wanted = spec::parse_image_reference(demand.reference);
    if (!wanted)
        return "is not a valid image reference (" + wanted.error().message + ")";
    std::vector<const Held*> same_repository;
    for (const Held& item : held) {
        if (item.reference.registry != wanted->registry ||
            item.reference.repository != wanted->repository)
            continue;
        bool satisfied = wanted->digest ? item.digest == wanted->digest
                                        : item.digest && item.reference.tag == wanted->tag;
        if (satisfied)
            return std::nullopt;
        same_repository.push_back(&item);
    }
    std::string need =
        wanted->digest ? "needs digest " + *wanted->digest : "needs that tag, locked";
    if (same_repository.empty())
        return "no image group holds " + wanted->registry + "/" + wanted->repository;
    std::string has;
    for (const Held* item : same_repository)
        has += (has.empty() ? "" : ", ") + describe_held(*item);
    return need + "; the bundle has " + has;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& part : parts) out += (out.empty() ? "" : "; ") + part;
    return out;
}

}  // namespace

Status check_completeness(const spec::Image& image, const Fetched& fetched) {
    if (image.completeness.empty())
        return {};
    std::vector<Demand> demands;
    for (const spec::CompletenessCheck& check : image.completeness) {
        auto images = demands_of(image, check, fetched);
        if (!images)
            return std::move(images).error();
        add_demands(std::move(*images), demands);
    }
    const std::vector<Held> held = held_images(image, fetched.lock);
    std::vector<std::string> lines;
    for (const Demand& demand : demands) {
        if (auto why = shortfall(demand, held))
            lines.push_back("  " + demand.reference + " (required by " + joined(demand.origins) +
                            "): " + *why);
    }
    if (lines.empty())
        return {};
    std::string message = std::to_string(lines.size()) +
                          (lines.size() == 1 ? " image" : " images") +
                          " deployed by the bundle's charts and manifests "
                          "are not in it with a locked digest (add them to an image group and "
                          "run `bundle lock`):";
    for (const std::string& line : lines) message += "\n" + line;
    return Error{Code::invalid_input, image.file.string(), std::move(message)};
}

}  // namespace bundle::build
