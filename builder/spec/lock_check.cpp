// check_lock_matches: a --locked build uses only what the lock says, so the lock must say it
// about this very definition. Path artifacts are local files and are not locked; URL and Helm
// artifacts are, and every image reference is.
#include <map>
#include <set>
#include <utility>

#include "spec/lock.h"
#include "spec/reference.h"
#include "spec/yaml_error.h"

namespace bundle::spec {
namespace {

std::string image_key(const std::string& group, const std::string& reference) {
    return "image " + quote_value(reference) + " in group " + quote_value(group);
}

void check_artifacts(const Image& image, const Lock& lock, std::vector<std::string>& problems) {
    std::map<std::string, const LockedArtifact*, std::less<>> locked;
    for (const LockedArtifact& artifact : lock.artifacts) locked.emplace(artifact.name, &artifact);
    for (const Artifact& artifact : image.artifacts) {
        const std::string what = "artifact " + quote_value(artifact.name);
        auto it = locked.find(artifact.name);
        if (artifact.source) {
            if (it != locked.end())
                problems.push_back(what + " is a local path in the definition but is locked");
            continue;
        }
        if (it == locked.end()) {
            problems.push_back(what + " is in the definition but not in the lock");
            continue;
        }
        const LockedArtifact& entry = *it->second;
        if (artifact.url && *artifact.url != entry.url)
            problems.push_back(what + ": the definition's url " + quote_value(*artifact.url) +
                               " differs from the locked " + quote_value(entry.url));
        if (std::string source = pin_source(artifact); source != entry.pin)
            problems.push_back(what + ": its pin comes from " + quote_value(source) +
                               " but the lock's came from " + quote_value(entry.pin));
        if (artifact.sha256 && *artifact.sha256 != entry.sha256)
            problems.push_back(what + ": the definition's sha256 " + quote_value(*artifact.sha256) +
                               " differs from the locked " + quote_value(entry.sha256));
    }
    std::set<std::string, std::less<>> defined;
    for (const Artifact& artifact : image.artifacts) defined.insert(artifact.name);
    for (const LockedArtifact& artifact : lock.artifacts) {
        if (!defined.contains(artifact.name))
            problems.push_back("artifact " + quote_value(artifact.name) +
                               " is in the lock but not in the definition");
    }
}

void check_images(const Image& image, const Lock& lock, std::vector<std::string>& problems) {
    std::map<std::pair<std::string, std::string>, const LockedImage*> locked;
    for (const LockedImage& entry : lock.images)
        locked.emplace(std::pair(entry.group, entry.reference), &entry);
    std::set<std::pair<std::string, std::string>> defined;
    for (const ImageGroup& group : image.images) {
        for (const std::string& reference : group.references) {
            defined.emplace(group.name, reference);
            auto it = locked.find(std::pair(group.name, reference));
            if (it == locked.end()) {
                problems.push_back(image_key(group.name, reference) +
                                   " is in the definition but not in the lock");
                continue;
            }
            auto parsed = parse_image_reference(reference);
            if (parsed && parsed->digest && *parsed->digest != it->second->top.digest)
                problems.push_back(image_key(group.name, reference) + " is pinned to " +
                                   *parsed->digest + " but locked to " + it->second->top.digest);
        }
    }
    for (const LockedImage& entry : lock.images) {
        if (!defined.contains(std::pair(entry.group, entry.reference)))
            problems.push_back(image_key(entry.group, entry.reference) +
                               " is in the lock but not in the definition");
    }
}

}  // namespace

std::string pin_source(const Artifact& artifact) {
    if (artifact.helm)
        return "helm " + artifact.helm->repository + " " + artifact.helm->chart + " " + artifact.helm->version;
    if (artifact.source) return {};
    if (artifact.sha256) return "sha256";
    if (artifact.checksums) return "checksums " + *artifact.checksums;
    return "first-use";
}

Status check_lock_matches(const Image& image, const Lock& lock,
                          const std::filesystem::path& lock_file) {
    std::vector<std::string> problems;
    if (lock.image != image.name)
        problems.push_back("the lock is for image " + quote_value(lock.image) +
                           ", the definition is " + quote_value(image.name));
    check_artifacts(image, lock, problems);
    check_images(image, lock, problems);
    if (problems.empty())
        return {};
    std::string message =
        "the lock does not match " + image.file.string() + " (run `bundle lock` again):";
    for (const std::string& problem : problems) message += "\n  " + problem;
    return Error{Code::invalid_input, lock_file.string(), std::move(message)};
}

}  // namespace bundle::spec
