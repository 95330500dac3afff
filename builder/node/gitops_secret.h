// The GitOps deploy key as Argo CD's repository Secret. Argo CD reads a private repository with
// the credentials of a Secret in its namespace labelled argocd.argoproj.io/secret-type: repository
// whose `url` is the repository's and whose `sshPrivateKey` is the key (`type: git`), Argo CD's
// "declarative setup" of repositories. The root Application names the same URL, so Argo CD
// matches the two.
//
// How it reaches the cluster: `k3s kubectl apply --server-side -f -` from the addons phase, the
// Secret as JSON on kubectl's stdin, not a file in K3s's server/manifests like the other add-ons:
//   - K3s's deploy controller (pkg/deploy/controller.go) applies a manifest through wrangler,
//     which stores the whole object, data included, in an objectset.rio.cattle.io/applied
//     annotation on it; and the file would be a second plaintext copy of the key on disk beside
//     node.yaml. A client-side `kubectl apply` stores the object in
//     kubectl.kubernetes.io/last-applied-configuration. A server-side apply stores neither: its
//     managedFields name the fields, not their values.
//   - The deploy controller deletes the objects of a file only when K3s disables it, not when it
//     is removed, so a manifest would leave an old key behind; here a cluster without a deploy
//     key has the Secret deleted.
// The key is in no argv (stdin only), no log (kubectl prints the object's name; a line of its
// output that would hold the key is not logged), and no error message. The data is base64 in
// `data`, not `stringData`, which server-side apply tracks poorly (a write-only field).
#pragma once

#include <string>

#include "node/phase.h"

namespace bundle::node {

inline constexpr char kRepositorySecretName[] = "bundle-gitops-repository";
inline constexpr char kArgoNamespace[] = "argocd";

// The Secret for `gitops` (which has a deploy key) as one line of JSON. SECRET: holds the key.
std::string repository_secret_json(const GitOps& gitops);

// Applies the Secret (the argocd namespace must exist): logged by name, never its content.
Status apply_repository_secret(Context& ctx, const GitOps& gitops);

// Deletes a Secret an earlier install made, now that node.yaml has no deploy key. Best effort:
// a failure is logged and the install goes on (a stale key does not stop a public repository).
void remove_repository_secret(Context& ctx);

}  // namespace bundle::node
