#include "node/gitops_secret.h"

#include <algorithm>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sign/base64.h"

namespace bundle::node {
namespace {

// True when `line` holds 24 or more characters in a row of `text`: any such run contains one of
// the 16-character windows taken every 8 characters, which are all looked for.
bool quotes_part_of(std::string_view line, std::string_view text) {
    constexpr std::size_t kWindow = 16, kStride = 8;
    for (std::size_t at = 0; at + kWindow <= text.size(); at += kStride)
        if (line.find(text.substr(at, kWindow)) != std::string_view::npos) return true;
    return false;
}

// True when `line` of kubectl's output quotes any part of the key of 24 characters or more: of
// the key's base64 (what kubectl read) or of one of the key's own lines (what a decoded echo
// would show). The key's armour lines are the same in every key and are not looked for.
bool shows_key(std::string_view line, const std::string& key, const std::string& key_base64) {
    if (quotes_part_of(line, key_base64)) return true;
    std::string_view rest(key);
    while (!rest.empty()) {
        std::size_t end = std::min(rest.find('\n'), rest.size());
        std::string_view part = rest.substr(0, end);
        if (part.find("PRIVATE KEY") == std::string_view::npos && quotes_part_of(line, part)) return true;
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return false;
}

}  // namespace

std::string repository_secret_json(const GitOps& gitops) {
    nlohmann::json secret = {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata",
         {{"name", kRepositorySecretName},
          {"namespace", kArgoNamespace},
          {"labels", {{"argocd.argoproj.io/secret-type", "repository"}, {"app.kubernetes.io/managed-by", "bundle"}}}}},
        {"type", "Opaque"},
        {"data",
         {{"type", sign::base64_encode(std::string_view("git"))},
          {"url", sign::base64_encode(gitops.repository)},
          {"sshPrivateKey", sign::base64_encode(gitops.deploy_key)}}},
    };
    return secret.dump();
}

Status apply_repository_secret(Context& ctx, const GitOps& gitops) {
    Command command = k3s_kubectl({"apply", "--server-side", "--force-conflicts", "--field-manager=bundle", "-f", "-"});
    command.input = repository_secret_json(gitops);
    const std::string key_base64 = sign::base64_encode(gitops.deploy_key);
    ctx.log.say("addons", "applying the GitOps deploy key as Argo CD's repository Secret " + std::string(kArgoNamespace) +
                              "/" + kRepositorySecretName + " for " + gitops.repository);
    auto result = ctx.runner.run(command, [&](std::string_view line) {
        ctx.log.say("addons", shows_key(line, gitops.deploy_key, key_base64)
                                  ? std::string("| (a line of kubectl's output that shows the deploy key, not logged)")
                                  : "| " + std::string(line));
    });
    if (!result) return std::move(result).error();
    if (result->exit_code != 0)
        return Error{Code::step_failed, describe(command),
                     "exited with status " + std::to_string(result->exit_code) +
                         ": the Secret " + kRepositorySecretName + " holding the GitOps deploy key was not applied "
                         "(kubectl's output is above and in the journal); rerun `bundle node install`"};
    return {};
}

void remove_repository_secret(Context& ctx) {
    auto result = check_step(ctx, k3s_kubectl({"delete", "secret", kRepositorySecretName, "-n", kArgoNamespace,
                                               "--ignore-not-found"}));
    if (!result)
        ctx.log.say("addons", "could not ask for an old GitOps repository Secret: " + result.error().describe());
    else if (result->exit_code != 0)
        ctx.log.say("addons", "could not remove an old GitOps repository Secret " + std::string(kRepositorySecretName) +
                                  " (" + last_line(result->output) + "); remove it by hand if the deploy key is gone");
    else if (!last_line(result->output).empty())
        ctx.log.say("addons", "node.yaml has no GitOps deploy key: removed the Secret " + std::string(kRepositorySecretName));
}

}  // namespace bundle::node
