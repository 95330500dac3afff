// Removing a stale server of the cluster, as a member does it for a peer that is reinstalling.
//
// K3s removes a server's etcd member when its Node object is deleted: its etcd member
// controller watches Node deletions (k3s #3973; "When you delete the failed node from the
// kubernetes cluster, it should also be removed from the etcd cluster", k3s #10462; "If you just
// want it gone, use `kubectl delete node`", k3s #9817). Deleting the Node also deletes the node
// password Secret that would otherwise refuse a new node of the same name (k3s #13072, where a
// Secret left without a Node is the one case it is not deleted). So:
//
//   k3s kubectl delete node <name> --ignore-not-found --timeout=120s
//   k3s kubectl --namespace kube-system delete secret <name>.node-password.k3s --ignore-not-found
//
// The first waits for the Node's finalizers (the member removal) to run; with
// --ignore-not-found a node that is not in the cluster is no error and prints nothing (a removal
// prints `node "<name>" deleted`), which is how "nothing to remove" is told from "removed". The
// second catches the orphan Secret; its failure is only logged. The removed node must also delete
// its old database before it joins again (k3s #13498): the joining side does that (negotiate.h).
#pragma once

#include <string>

#include "core/error.h"
#include "node/command.h"
#include "peer/http_server.h"

namespace bundle::peer {

struct RemovalOutcome {
    bool removed = false;  // false: the cluster had no node of that name
    std::string detail;
};

// `node` must already be checked to be a configured node other than this one.
Result<RemovalOutcome> remove_stale_member(node::CommandRunner& runner, const std::string& node,
                                           const LogSink& log);

}  // namespace bundle::peer
