#include "node/gitops_secret.h"

#include <nlohmann/json.hpp>

#include "sign/base64.h"

namespace bundle::node {
namespace {

// True when `line` of kubectl's output holds any part of the key worth hiding: the key's
// base64 (what kubectl read) or one of its lines (what a decoded echo would show).
bool shows_key(std::string_view line, const std::string& key, const std::string& key_base64) {
    if (line.find(key_base64.substr(0, 32)) != std::string_view::npos) return true;
    std::size_t start = 0;
    while (start < key.size()) {
        std::size_t end = key.find('\n', start);
        if (end == std::string::npos) end = key.size();
        std::string_view part(key.data() + start, end - start);
        if (part.size() >= 16 && part.find("PRIVATE KEY") == std::string_view::npos &&
            line.find(part.substr(0, 16)) != std::string_view::npos)
            return true;
        start = end + 1;
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
