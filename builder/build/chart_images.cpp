#include "build/chart_images.h"

#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include "build/yaml_values.h"

namespace bundle::build {
namespace {

using Values = YAML::Node;

bool on(const Values& values, std::string_view key, bool if_null = false) {
    return is_true(find_path(values, key), if_null);
}

std::optional<std::string> text_at(const Values& values, std::string_view key) {
    return non_empty_text(find_path(values, key));
}

// A TLS setup whose certificates a certgen CronJob makes ("<prefix>.auto.method: cronJob").
bool certgen_tls(const Values& values, std::string_view prefix, bool tls_switch) {
    const std::string p(prefix);
    return tls_switch && on(values, p + ".auto.enabled") &&
           text_at(values, p + ".auto.method") == "cronJob";
}

// The UI runs with Hubble, or alone beside an existing Relay ("standalone").
bool hubble_ui(const Values& values) {
    return on(values, "hubble.ui.enabled") &&
           (on(values, "hubble.enabled") || on(values, "hubble.ui.standalone.enabled"));
}

struct Component {
    std::string_view key;  // of the image entry
    bool generic_operator = false;
    bool optional = false;  // a missing key is no error (an image only some versions have)
    std::function<bool(const Values&)> enabled;
};

const std::vector<Component>& components() {
    static const std::vector<Component> list = {
        {"image", false, false, [](const Values& v) { return on(v, "agent", true); }},
        {"operator.image", true, false,
         [](const Values& v) { return on(v, "operator.enabled", true); }},
        {"envoy.image", false, false, [](const Values& v) { return on(v, "envoy.enabled", true); }},
        {"hubble.relay.image", false, false,
         [](const Values& v) { return on(v, "hubble.enabled") && on(v, "hubble.relay.enabled"); }},
        {"hubble.ui.frontend.image", false, false, hubble_ui},
        {"hubble.ui.backend.image", false, false, hubble_ui},
        {"certgen.image", false, false,
         [](const Values& v) {
             return certgen_tls(v, "hubble.tls",
                                on(v, "hubble.enabled") && on(v, "hubble.tls.enabled")) ||
                    certgen_tls(v, "clustermesh.apiserver.tls", on(v, "clustermesh.useAPIServer"));
         }},
        {"clustermesh.apiserver.image", false, false,
         [](const Values& v) { return on(v, "clustermesh.useAPIServer"); }},
        {"preflight.image", false, false,
         [](const Values& v) { return on(v, "preflight.enabled"); }},
        {"preflight.envoy.image", false, true,
         [](const Values& v) { return on(v, "preflight.enabled"); }},
        {"nodeinit.image", false, false, [](const Values& v) { return on(v, "nodeinit.enabled"); }},
    };
    return list;
}

// The reference an image entry names, or why it names none.
Result<std::string> reference_of(const YAML::Node& image, const Component& component,
                                 const std::string& chart, const std::string& where) {
    auto fail = [&](const std::string& why) {
        return Error{Code::invalid_input, where,
                     chart + ": values key " + std::string(component.key) + " " + why};
    };
    if (!image.IsMap())
        return fail("must be a mapping of repository, tag and digest");
    if (auto override_reference = non_empty_text(find_key(image, "override")))
        return *override_reference;
    auto repository = non_empty_text(find_key(image, "repository"));
    if (!repository)
        return fail("has no repository (and no override)");
    std::string reference = *repository;
    if (component.generic_operator)
        reference += "-generic" + non_empty_text(find_key(image, "suffix")).value_or("");
    if (auto tag = non_empty_text(find_key(image, "tag")))
        reference += ":" + *tag;
    const char* digest_key = component.generic_operator ? "genericDigest" : "digest";
    if (is_true(find_key(image, "useDigest"))) {
        auto digest = non_empty_text(find_key(image, digest_key));
        if (!digest)
            return fail(std::string("sets useDigest but has no ") + digest_key);
        reference += "@" + *digest;
    }
    return reference;
}

}  // namespace

Result<std::vector<RequiredImage>> cilium_chart_images(const YAML::Node& values,
                                                       const std::string& chart,
                                                       const std::string& where) {
    std::vector<RequiredImage> images;
    for (const Component& component : components()) {
        if (!component.enabled(values))
            continue;
        auto entry = find_path(values, component.key);
        if (!entry || entry->IsNull()) {
            if (component.optional)
                continue;
            return Error{Code::invalid_input, where,
                         chart + ": values key " + std::string(component.key) +
                             " is missing, but the values enable its component"};
        }
        auto reference = reference_of(*entry, component, chart, where);
        if (!reference)
            return std::move(reference).error();
        images.push_back(
            {std::move(*reference), chart + ", values key " + std::string(component.key)});
    }
    return images;
}

}  // namespace bundle::build
