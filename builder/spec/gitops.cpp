// The `gitops` section of a cluster definition: the repository, revision and path of the ArgoCD
// root application, and whether the repository is read with a deploy key.
#include <utility>

#include "spec/cluster_parts.h"
#include "spec/url.h"

namespace bundle::spec {
namespace {

bool is_printable_without_spaces(std::string_view text) {
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f)
            return false;
    }
    return true;
}

// ":port" after an ssh:// URL's host: empty (ssh's default) or a number from 1 to 65535.
bool is_port_suffix(std::string_view text) {
    if (text.empty())
        return true;
    std::string_view digits = text.substr(1);
    if (text.front() != ':' || digits.empty() || digits.size() > 5 || digits.front() == '0' ||
        digits.find_first_not_of("0123456789") != std::string_view::npos)
        return false;
    return std::stoul(std::string(digits)) <= 65535;
}

// ssh://[user@]host[:port]/path, with no password in the user part (the definition is public),
// and neither user nor host starting with '-', which ssh would take for an option.
std::optional<std::string> ssh_url_problem(std::string_view url) {
    std::string_view rest = url.substr(std::string_view("ssh://").size());
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    auto at = authority.rfind('@');
    std::string_view user = at == std::string_view::npos ? "" : authority.substr(0, at);
    if (user.find(':') != std::string_view::npos)
        return "an ssh:// URL must not carry a password";
    if (at != std::string_view::npos && (user.empty() || user.starts_with('-')))
        return "an ssh:// URL must name a user before '@' that does not start with '-'";
    std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
    // A bracketed IPv6 address holds colons of its own.
    auto port = host.starts_with('[') ? host.find(']') : host.find(':');
    if (host.starts_with('[') && port != std::string_view::npos)
        ++port;
    std::string_view port_suffix = port == std::string_view::npos ? "" : host.substr(port);
    host = host.substr(0, port);
    if (host.empty() || host.starts_with('-') || host == "[]" ||
        (host.starts_with('[') && !host.ends_with(']')))
        return "an ssh:// URL must name a host";
    if (!is_port_suffix(port_suffix))
        return "an ssh:// URL's port must be a number from 1 to 65535";
    if (slash == std::string_view::npos || slash + 1 == rest.size())
        return "an ssh:// URL must name a repository path after the host";
    return std::nullopt;
}

// git@host:path, the scp-like form git and ArgoCD accept (any user name, git in practice).
std::optional<std::string> scp_like_problem(std::string_view text) {
    auto at = text.find('@');
    auto colon = text.find(':');
    std::string_view user = text.substr(0, at);
    if (at == std::string_view::npos || colon == std::string_view::npos || colon < at ||
        user.empty() || user.starts_with('-') || user.find_first_of("/:") != std::string_view::npos)
        return "must start with https:// or ssh://, or be written git@host:path";
    std::string_view host = text.substr(at + 1, colon - at - 1);
    if (host.empty() || host.starts_with('-') || host.find('/') != std::string_view::npos)
        return "must name a host between '@' and ':' (git@host:path)";
    if (colon + 1 == text.size())
        return "must name a repository path after ':' (git@host:path)";
    return std::nullopt;
}

std::optional<std::string> repository_problem(std::string_view url) {
    if (!is_printable_without_spaces(url))
        return "must be printable ASCII without spaces";
    if (url.starts_with("https://"))
        return http_url_problem(url);
    if (url.starts_with("http://"))
        return "must not use plain http://: anyone on the way could change what the cluster runs; "
               "use https:// or ssh://";
    if (url.starts_with("ssh://"))
        return ssh_url_problem(url);
    return scp_like_problem(url);
}

std::optional<std::string> read_repository(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    if (auto problem = repository_problem(*text)) {
        errors.add(field.value_at(errors), "repository " + quote_value(*text) + " " + *problem);
        return std::nullopt;
    }
    return text;
}

// A branch, tag or commit. Git refuses refs that start with '-', and a revision given to git as
// an argument must not be taken for an option ("--upload-pack=...").
std::optional<std::string> read_revision(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (text && (text->empty() || !is_printable_without_spaces(*text))) {
        errors.add(field.value_at(errors),
                   "revision must be a non-empty branch, tag or commit without spaces, found " +
                       quote_value(*text));
        return std::nullopt;
    }
    if (text && text->starts_with('-')) {
        errors.add(field.value_at(errors),
                   "revision must not start with '-' (git would take it for an option), found " +
                       quote_value(*text));
        return std::nullopt;
    }
    return text;
}

// Relative to the repository's root and inside it, as ArgoCD requires of an application path.
std::optional<std::string> read_repository_path(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    std::string problem;
    if (text->empty())
        problem = "path must not be empty (write '.' for the repository's root)";
    else if (text->front() == '/')
        problem = "path must be relative to the repository's root, found " + quote_value(*text);
    else if (*text == ".." || text->starts_with("../") || text->ends_with("/..") ||
             text->find("/../") != std::string::npos)
        problem = "path must stay inside the repository (no '..'), found " + quote_value(*text);
    else if (!is_printable_without_spaces(*text))
        problem = "path must be printable ASCII without spaces, found " + quote_value(*text);
    if (problem.empty())
        return text;
    errors.add(field.value_at(errors), std::move(problem));
    return std::nullopt;
}

// true or false as YAML 1.2 writes them; not "yes", "on" or a quoted string, whose meaning
// depends on which YAML version a reader follows.
std::optional<bool> read_bool(const Field& field, YamlErrors& errors) {
    auto text = scalar_value(field, errors);
    if (!text)
        return std::nullopt;
    bool plain = field.value.Tag() != "!";
    if (plain && (*text == "true" || *text == "True" || *text == "TRUE"))
        return true;
    if (plain && (*text == "false" || *text == "False" || *text == "FALSE"))
        return false;
    errors.add(field.value_at(errors), quote_value(field.key) + " must be true or false, found " +
                                           (plain ? "" : "the string ") + quote_value(*text));
    return std::nullopt;
}

}  // namespace

std::optional<GitOps> read_gitops(const Field& field, YamlErrors& errors) {
    if (field.value.IsNull())
        return std::nullopt;
    Mapping map = Mapping::read(field.value, "gitops",
                                {"repository", "revision", "path", "deploy_key"}, errors);
    if (!map.is_mapping())
        return std::nullopt;
    GitOps gitops;
    if (const Field* repository = map.require("repository", errors))
        gitops.repository = read_repository(*repository, errors).value_or("");
    if (const Field* revision = map.require("revision", errors))
        gitops.revision = read_revision(*revision, errors).value_or("");
    if (const Field* path = map.require("path", errors))
        gitops.path = read_repository_path(*path, errors).value_or("");
    const Field* deploy_key = map.find("deploy_key");
    if (deploy_key != nullptr)
        gitops.deploy_key = read_bool(*deploy_key, errors).value_or(false);
    if (gitops.deploy_key && gitops.repository.starts_with("https://")) {
        errors.add(deploy_key->value_at(errors),
                   "deploy_key is an SSH key; it needs an ssh:// or git@host:path repository, "
                   "not https://");
    }
    return gitops;
}

}  // namespace bundle::spec
