#include "spec/secrets.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>

#include "core/atomic_file.h"
#include "hash/sha256.h"
#include "sign/secret_file.h"
#include "sign/x25519.h"

namespace bundle::spec {
namespace {

namespace fs = std::filesystem;

constexpr char kSigningKey[] = "bundle.key";
constexpr char kTokenFile[] = "k3s-token";
constexpr char kDeployKey[] = "gitops-deploy-key";

void cleanse(std::string& text) { OPENSSL_cleanse(text.data(), text.size()); }

std::string wireguard_path(const Cluster& cluster, const std::string& node, const char* suffix) {
    return (cluster.secrets / "wireguard" / (node + suffix)).string();
}

bool is_token(const std::string& token) {
    if (token.size() < 16) return false;
    for (char c : token)
        if (c <= ' ' || c > '~') return false;
    return true;
}

class Problems {
public:
    void add(const std::string& path, const std::string& message) { lines_.push_back(path + ": " + message); }
    void add(const Error& error) { lines_.push_back(error.describe()); }
    bool empty() const { return lines_.empty(); }
    Error to_error() const {
        std::string message;
        for (const auto& line : lines_) message += line + "\n";
        message += "(`bundle init` creates missing secrets and never overwrites one)";
        return Error{Code::invalid_input, "", message};
    }

private:
    std::vector<std::string> lines_;
};

void check_folder(const Cluster& cluster, Problems& problems) {
    struct stat st {};
    if (::stat(cluster.secrets.c_str(), &st) != 0) {
        problems.add(cluster.secrets.string(), "secrets folder is missing");
        return;
    }
    if (!S_ISDIR(st.st_mode))
        problems.add(cluster.secrets.string(), "is not a folder");
    else if ((st.st_mode & 077) != 0)
        problems.add(cluster.secrets.string(), "secrets folder is open to other users; run chmod 700 on it");
}

void load_node_keys(const Cluster& cluster, const Node& node, Secrets& secrets, Problems& problems) {
    std::string private_path = wireguard_path(cluster, node.name, ".key");
    std::string public_path = wireguard_path(cluster, node.name, ".pub");
    auto private_text = sign::read_key_file(private_path, sign::KeyFile::private_key);
    if (!private_text) return problems.add(private_text.error());
    NodeSecrets keys;
    // Moved, not copied, so that no stray copy of the key is left to cleanse.
    keys.wireguard_private = sign::without_line_end(std::move(*private_text));
    auto derived = sign::wireguard_public_key(keys.wireguard_private, private_path);
    if (!derived) return problems.add(derived.error());
    auto public_text = sign::read_key_file(public_path, sign::KeyFile::public_key);
    if (!public_text) return problems.add(public_text.error());
    keys.wireguard_public = sign::without_line_end(std::move(*public_text));
    if (keys.wireguard_public != *derived)
        return problems.add(public_path, "is not the public key of " + private_path);
    secrets.nodes.emplace(node.name, std::move(keys));
}

void load_token(const Cluster& cluster, Secrets& secrets, Problems& problems) {
    std::string path = (cluster.secrets / kTokenFile).string();
    auto text = sign::read_key_file(path, sign::KeyFile::private_key);
    if (!text) return problems.add(text.error());
    secrets.k3s_token = sign::without_line_end(std::move(*text));
    if (!is_token(secrets.k3s_token))
        problems.add(path, "the K3s token must be one line of at least 16 printable characters without spaces");
}

void load_deploy_key(const Cluster& cluster, Secrets& secrets, Problems& problems) {
    std::string path = (cluster.secrets / kDeployKey).string();
    auto text = sign::read_key_file(path, sign::KeyFile::private_key);
    if (!text) {
        problems.add(path, text.error().message + " (gitops.deploy_key is set: put the repository's SSH deploy key here)");
        return;
    }
    if (text->find("PRIVATE KEY-----") == std::string::npos)
        problems.add(path, "not an SSH private key (expected an OpenSSH or PEM private key)");
    secrets.gitops_deploy_key = std::move(*text);
}

Result<std::string> random_token() {
    std::array<unsigned char, 32> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        return Error{Code::internal, "openssl", "no randomness for the K3s token"};
    hash::Sha256Digest bytes{};
    std::copy(raw.begin(), raw.end(), bytes.begin());
    OPENSSL_cleanse(raw.data(), raw.size());
    std::string token = hash::to_hex(bytes) + "\n";
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return token;
}

bool exists(const std::string& path) {
    std::error_code ec;
    return fs::symlink_status(path, ec).type() != fs::file_type::not_found;
}

// A key pair is made whole or not at all: half of one (a crash between the two writes, a file
// deleted by hand) is reported rather than completed with a key that does not match.
Status check_pair(const std::string& private_path, const std::string& public_path) {
    bool has_private = exists(private_path);
    if (has_private == exists(public_path)) return {};
    const std::string& missing = has_private ? public_path : private_path;
    return Error{Code::invalid_input, missing,
                 "is missing while the other half of its key pair exists; restore it, or delete both to make a new pair"};
}

// Writes a secret that must not exist yet; `created` learns its path.
Status write_new(const std::string& path, std::string content, CreatedSecrets& created) {
    Status written = write_file_atomically(path, content, 0600, Replace::forbidden);
    cleanse(content);
    BUNDLE_TRY(std::move(written));
    created.created.push_back(path);
    return {};
}

Status create_node_keys(const Cluster& cluster, const std::string& node, CreatedSecrets& created) {
    std::string private_path = wireguard_path(cluster, node, ".key");
    std::string public_path = wireguard_path(cluster, node, ".pub");
    BUNDLE_TRY(check_pair(private_path, public_path));
    if (exists(private_path)) {
        created.kept.push_back(private_path);
        return {};
    }
    auto keys = sign::generate_wireguard_keys();
    if (!keys) return std::move(keys).error();
    Status written = write_new(private_path, keys->private_key + "\n", created);
    cleanse(keys->private_key);
    BUNDLE_TRY(std::move(written));
    return write_new(public_path, keys->public_key + "\n", created);
}

// True when `inner` is `outer` or lies below it.
bool within(const fs::path& inner, const fs::path& outer) {
    auto [end, _] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
    return end == outer.end();
}

}  // namespace

Status check_not_bundled(const Cluster& cluster, const Image& image) {
    std::error_code ec;
    fs::path secrets = fs::weakly_canonical(cluster.secrets, ec);
    if (ec) return {};  // a secrets folder that cannot be resolved is reported by load_secrets
    auto refuse = [&](const std::string& what) {
        return Error{Code::invalid_input, image.file.string(),
                     what + " would put the secrets folder " + cluster.secrets.string() +
                         " into the bundle, which is public: move one of them"};
    };
    if (image.payload && within(secrets, fs::weakly_canonical(*image.payload, ec)))
        return refuse("payload " + image.payload->string());
    for (const auto& artifact : image.artifacts)
        if (artifact.source && within(fs::weakly_canonical(*artifact.source, ec), secrets))
            return refuse("artifact '" + artifact.name + "'");
    return {};
}

Secrets::~Secrets() {
    cleanse(k3s_token);
    for (auto& [name, keys] : nodes) cleanse(keys.wireguard_private);
    if (gitops_deploy_key) cleanse(*gitops_deploy_key);
}

std::vector<SecretFile> required_secret_files(const Cluster& cluster) {
    std::vector<SecretFile> files{{(cluster.secrets / kSigningKey).string(), "bundle signing key"},
                                  {(cluster.secrets / "bundle.pub").string(), "bundle signing public key"},
                                  {(cluster.secrets / kTokenFile).string(), "K3s token"}};
    for (const auto& node : cluster.nodes) {
        files.push_back({wireguard_path(cluster, node.name, ".key"), "WireGuard private key of " + node.name});
        files.push_back({wireguard_path(cluster, node.name, ".pub"), "WireGuard public key of " + node.name});
    }
    if (cluster.gitops && cluster.gitops->deploy_key)
        files.push_back({(cluster.secrets / kDeployKey).string(), "GitOps deploy key"});
    return files;
}

Result<Secrets> load_secrets(const Cluster& cluster) {
    Problems problems;
    check_folder(cluster, problems);
    Secrets secrets;
    auto key = sign::load_private_key((cluster.secrets / kSigningKey).string());
    if (key) secrets.signing_key = std::move(*key);
    else problems.add(key.error());
    load_token(cluster, secrets, problems);
    for (const auto& node : cluster.nodes) load_node_keys(cluster, node, secrets, problems);
    if (cluster.gitops && cluster.gitops->deploy_key) load_deploy_key(cluster, secrets, problems);
    if (!problems.empty()) return problems.to_error();
    return secrets;
}

Result<CreatedSecrets> create_missing_secrets(const Cluster& cluster, const std::optional<std::string>& only_node) {
    CreatedSecrets created;
    BUNDLE_TRY(sign::make_private_folder(cluster.secrets.string()));
    BUNDLE_TRY(sign::make_private_folder((cluster.secrets / "wireguard").string()));
    if (only_node) {
        if (cluster.find_node(*only_node) == nullptr)
            return Error{Code::usage, cluster.file.string(),
                         "no node named '" + *only_node + "': add it to `nodes:` first, then run this again"};
        for (const char* suffix : {".key", ".pub"})
            if (exists(wireguard_path(cluster, *only_node, suffix)))
                return Error{Code::invalid_input, wireguard_path(cluster, *only_node, suffix),
                             "already exists; not overwriting a node's key"};
        BUNDLE_TRY(create_node_keys(cluster, *only_node, created));
        return created;
    }
    std::string signing = (cluster.secrets / kSigningKey).string();
    BUNDLE_TRY(check_pair(signing, (cluster.secrets / "bundle.pub").string()));
    if (exists(signing)) {
        created.kept.push_back(signing);
    } else {
        auto paths = sign::write_new_key_pair(cluster.secrets.string());
        if (!paths) return std::move(paths).error();
        // All of the folder is private, the public half too ("never in a bundle, a log ...").
        if (::chmod(paths->public_key.c_str(), 0600) != 0)
            return system_error(Code::io, paths->public_key, "cannot make it private", errno);
        created.created.push_back(paths->private_key);
        created.created.push_back(paths->public_key);
    }
    std::string token_path = (cluster.secrets / kTokenFile).string();
    if (exists(token_path)) {
        created.kept.push_back(token_path);
    } else {
        auto token = random_token();
        if (!token) return std::move(token).error();
        BUNDLE_TRY(write_new(token_path, std::move(*token), created));
    }
    for (const auto& node : cluster.nodes) BUNDLE_TRY(create_node_keys(cluster, node.name, created));
    return created;
}

}  // namespace bundle::spec
