#include "peer/member_removal.h"

namespace bundle::peer {
namespace {

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

}  // namespace

Result<RemovalOutcome> remove_stale_member(node::CommandRunner& runner, const std::string& node,
                                           const LogSink& log) {
    auto forward = [&log](std::string_view line) { log("  " + std::string(line)); };

    node::Command delete_node = node::k3s_kubectl({"delete", "node", node, "--ignore-not-found", "--timeout=120s"});
    auto deleted = runner.run(delete_node, forward);
    if (!deleted)
        return std::move(deleted).error();
    if (deleted->exit_code != 0)
        return Error{Code::io, node::describe(delete_node),
                     "exited with status " + std::to_string(deleted->exit_code) + ": " +
                         trimmed(deleted->output)};
    RemovalOutcome outcome;
    outcome.removed = deleted->output.find("deleted") != std::string::npos;
    outcome.detail = outcome.removed
                         ? "node " + node + " deleted from the cluster (its etcd member with it)"
                         : "the cluster has no node " + node + ": nothing to remove";

    node::Command delete_secret = node::k3s_kubectl(
        {"--namespace", "kube-system", "delete", "secret", node + ".node-password.k3s", "--ignore-not-found"});
    auto secret = runner.run(delete_secret, forward);
    if (!secret || secret->exit_code != 0)
        log("warning: could not delete the node password Secret of " + node + " (" +
            (secret ? "status " + std::to_string(secret->exit_code) : secret.error().describe()) +
            "); a new node of that name may be refused until it is deleted");
    return outcome;
}

}  // namespace bundle::peer
