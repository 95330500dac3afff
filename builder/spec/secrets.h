// The secrets folder beside cluster.yaml (default `secrets/`, mode 0700). It is never put into a
// bundle: what a node needs of it travels only in that node's user-data.
//
//   bundle.key, bundle.pub     the bundle signing key pair (Ed25519, PEM), as `bundle keygen` writes
//   k3s-token                  the K3s cluster token (64 hex digits of randomness)
//   wireguard/<node>.key       each node's WireGuard private key (base64, as `wg genkey` prints)
//   wireguard/<node>.pub       its public key
//   gitops-deploy-key          the GitOps repository's SSH deploy key, when gitops.deploy_key is set
//
// Every file is 0600. Secrets are created once and never overwritten: replacing a WireGuard key
// or the token means changing every node's user-data, which an operator does on purpose.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "sign/ed25519.h"
#include "spec/cluster.h"
#include "spec/image.h"

namespace bundle::spec {

struct NodeSecrets {
    std::string wireguard_private;  // base64
    std::string wireguard_public;   // base64
};

struct Secrets {
    Secrets() = default;
    Secrets(Secrets&&) = default;
    Secrets& operator=(Secrets&&) = default;
    ~Secrets();  // cleanses the secret strings

    sign::PrivateKey signing_key;
    std::string k3s_token;
    std::map<std::string, NodeSecrets> nodes;  // by node name
    std::optional<std::string> gitops_deploy_key;
};

// Every file the cluster needs, in the order `bundle init` creates them.
struct SecretFile {
    std::string path;
    std::string what;  // "WireGuard private key of node-2"
};
std::vector<SecretFile> required_secret_files(const Cluster& cluster);

// Reads every secret the cluster needs. All problems are reported at once (one
// Code::invalid_input error, a line per file: missing, readable by others, malformed, a public
// key that does not belong to its private key), with `bundle init` named as the way to create
// missing ones. No secret's value ever appears in a message.
Result<Secrets> load_secrets(const Cluster& cluster);

// Refuses an image that would carry the secrets folder into the bundle: a payload folder that
// holds it, or an artifact taken from inside it. Paths are compared after resolving links.
Status check_not_bundled(const Cluster& cluster, const Image& image);

struct CreatedSecrets {
    std::vector<std::string> created;  // paths
    std::vector<std::string> kept;     // already there, left as they were
};

// Creates the secrets folder (0700) and every missing secret the cluster needs except the GitOps
// deploy key (which the operator provides). Existing files are never touched. With `only_node`
// set, only that node's WireGuard key pair is created, and it must not exist yet.
Result<CreatedSecrets> create_missing_secrets(const Cluster& cluster,
                                              const std::optional<std::string>& only_node = std::nullopt);

}  // namespace bundle::spec
