// The phases after the bundle is in place: harden, mesh, k3s, addons, health (install.h).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/safe_fs.h"
#include "node/gitops_secret.h"
#include "node/k3s_service.h"
#include "node/old_database.h"
#include "node/phase.h"

namespace bundle::node {
namespace {

// payload/<dir>/[0-9]*.sh of the extracted bundle, in name order.
Result<std::vector<std::string>> numbered_scripts(const Context& ctx, const std::string& dir) {
    std::string path = ctx.bundle_dir() + "/" + dir;
    DIR* handle = ::opendir(path.c_str());
    if (handle == nullptr) return system_error(Code::structure, path, "the bundle has no such payload folder", errno);
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(handle)) {
        std::string name = entry->d_name;
        if (name.size() > 3 && std::isdigit(static_cast<unsigned char>(name[0])) && name.ends_with(".sh"))
            names.push_back(dir + "/" + name);
    }
    ::closedir(handle);
    std::sort(names.begin(), names.end());
    return names;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// Polls `command` until it succeeds with some output (or, without `needs_output`, at all) or the
// ready timeout passes; gives the last line of its output. The timeout is an error naming `what`
// and the command's last answer.
Result<std::string> wait_for_answer(Context& ctx, const std::string& phase, const std::string& what,
                                    const Command& command, bool needs_output) {
    auto deadline = std::chrono::steady_clock::now() + ctx.options.ready_timeout;
    auto next_note = std::chrono::steady_clock::now();
    for (;;) {
        auto answer = check_step(ctx, command);
        if (!answer) return std::move(answer).error();
        std::string said = last_line(answer->output);
        if (answer->exit_code == 0 && (!needs_output || !said.empty())) {
            ctx.log.say(phase, what + ": yes");
            return said;
        }
        said = said.empty() ? "exit status " + std::to_string(answer->exit_code) : said;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return Error{Code::step_failed, describe(command),
                         "gave no for " + std::to_string(ctx.options.ready_timeout.count()) + " s (last: " + said +
                             "): " + what +
                             " did not happen; rerun `bundle node install` to wait again, and see `bundle node status`"};
        if (now >= next_note) {
            ctx.log.say(phase, "waiting: " + what + " (" + said + ")");
            next_note = now + std::chrono::seconds(30);
        }
        std::this_thread::sleep_for(ctx.options.poll_interval);
    }
}

Status wait_for(Context& ctx, const std::string& phase, const std::string& what, const Command& command) {
    auto answer = wait_for_answer(ctx, phase, what, command, false);
    if (!answer) return std::move(answer).error();
    return {};
}

const Command kReadyz = k3s_kubectl({"get", "--raw=/readyz"});

// K3s's database folder (embedded etcd, and its snapshots unless etcd-snapshot-dir says otherwise).
constexpr char kDatabase[] = "/var/lib/rancher/k3s/server/db";

}  // namespace

Result<bool> write_if_changed(const Context& ctx, const std::string& path, const std::string& content, mode_t mode) {
    std::string full = ctx.under_root(path);
    std::ifstream in(full, std::ios::binary);
    if (in) {
        std::stringstream old;
        old << in.rdbuf();
        if (old.str() == content) return false;
    }
    if (auto made = make_directories(full.substr(0, full.rfind('/')), 0755); !made) return std::move(made).error();
    if (auto written = write_file_atomically(full, content, mode); !written) return std::move(written).error();
    return true;
}

Status phase_harden(Context& ctx) {
    auto scripts = numbered_scripts(ctx, "payload/harden");
    if (!scripts) return std::move(scripts).error();
    std::vector<std::string> peers;
    for (const Peer* peer : ctx.config.others()) peers.push_back(peer->public_ipv4);
    Env env = {{"SSH_AUTHORIZED_KEYS", joined(ctx.config.ssh_authorized_keys, "\n")},
               {"WG_PORT", std::to_string(ctx.config.mesh_port)},
               {"PEER_PUBLIC_IPS", joined(peers, " ")},
               {"MESH_IFACE", ctx.config.mesh_interface},
               {"AGENT_PORT", std::to_string(ctx.config.agent_port)}};
    return run_scripts(ctx, "harden", *scripts, env);
}

// Stops K3s when it runs, before its database is moved aside or reset underneath it.
Status stop_k3s(Context& ctx) {
    auto active = check_step(ctx, {{"systemctl", "is-active", "--quiet", "k3s.service"}, {}, {}, {}});
    if (!active) return std::move(active).error();
    if (active->exit_code != 0) return {};
    return run_step(ctx, "k3s", {{"systemctl", "stop", "k3s.service"}, {}, {}, {}});
}

// The bootstrap decision (peer/negotiate.h), taken once per node and kept in state.json: a join
// first sets this node's old database aside (old_database.h: K3s would refuse to rejoin with it,
// and its snapshots may be the only copy left); a forced init keeps it for K3s's cluster reset.
Status take_role(Context& ctx) {
    auto plan = ctx.decide(ctx.config, ctx.log);
    if (!plan) return std::move(plan).error();
    ctx.state.role = plan->init ? "init" : "join";
    ctx.state.joined = plan->init ? "" : plan->address;
    ctx.log.say("k3s", plan->init ? "this node initialises the cluster"
                                  : "joining the cluster through " + plan->node + " (" + plan->address + ")");
    std::string db = ctx.under_root(kDatabase);
    if (!plan->init && exists(db)) {
        if (auto s = stop_k3s(ctx); !s) return s;
        auto aside = set_database_aside(ctx.dir.root, database_stamp());
        if (!aside) return std::move(aside).error();
        for (const std::string& line : aside->said) ctx.log.say("k3s", line);
    }
    if (plan->init && plan->forced && exists(db)) {
        // Disaster recovery: the old cluster lost its quorum for good. Its database is kept
        // and K3s's cluster reset makes this node its only member (below, once the binary
        // and the configuration are in place); the others then rejoin through it.
        ctx.log.say("k3s", "keeping the database " + db + ": K3s's cluster reset will make this node its only member");
        ctx.state.cluster_reset = true;
    }
    return ctx.save();
}

// K3s's cluster reset (`k3s server --cluster-reset`), once. K3s writes server/db/reset-flag
// before it resets (pkg/etcd/etcd.go, Reset), refuses another reset while the flag exists, and
// removes it at its next normal start (pkg/cluster/managed.go, start). So a flag here means an
// earlier attempt got that far and died before the agent recorded it (a crash, a reboot): the
// reset is taken as done and K3s is started normally, which clears the flag.
Status cluster_reset(Context& ctx) {
    std::string flag = ctx.under_root(std::string(kDatabase) + "/reset-flag");
    if (exists(flag)) {
        ctx.log.say("k3s", "K3s's " + flag + " exists: an earlier cluster reset ran; starting K3s normally");
    } else {
        // Reads /etc/rancher/k3s/config.yaml like the service; exits 0 once etcd has one member.
        ctx.log.say("k3s", "running K3s's cluster reset (this can take a minute or two)");
        if (auto s = run_step(ctx, "k3s", {{"k3s", "server", "--cluster-reset"}, {}, {}, {}}); !s) return s;
        ctx.log.say("k3s", "cluster reset done: this node is the only etcd member; the others rejoin through it");
    }
    ctx.state.cluster_reset = false;
    return ctx.save();
}

Status phase_k3s(Context& ctx) {
    if (ctx.state.role.empty()) {
        if (auto s = take_role(ctx); !s) return s;
    } else {
        ctx.log.say("k3s", "role decided before: " + ctx.state.role + (ctx.state.joined.empty() ? "" : " through " + ctx.state.joined));
    }
    const Peer& me = ctx.config.me();
    Env config_env = {{"K3S_TOKEN", ctx.config.k3s_token},
                      {"K3S_INIT", ctx.state.role == "init" ? "1" : "0"},
                      {"JOIN_ADDRESS", ctx.state.joined},
                      {"NODE_NAME", ctx.config.self},
                      {"MESH_IP", me.mesh_ipv4},
                      {"PUBLIC_IP", me.public_ipv4},
                      {"TLS_SANS", joined(ctx.config.tls_names, " ")}};
    // K3s must not run on the database its reset rewrites: stopped also after a reboot since
    // the decision, which may have started it.
    if (ctx.state.cluster_reset)
        if (auto s = stop_k3s(ctx); !s) return s;
    if (auto s = run_scripts(ctx, "k3s", {"payload/k3s/10-config.sh"}, config_env); !s) return s;
    if (auto s = run_scripts(ctx, "k3s", {"payload/k3s/20-airgap.sh"}, {}); !s) return s;
    if (ctx.state.cluster_reset)
        if (auto s = cluster_reset(ctx); !s) return s;
    // Writes the unit and never starts K3s (INSTALL_K3S_SKIP_START): the agent does, next, when
    // the binary, the unit or the configuration changed, and without waiting on systemd.
    if (auto s = run_scripts(ctx, "k3s", {"payload/k3s/40-install.sh"}, {}); !s) return s;
    if (auto s = start_k3s_no_wait(ctx); !s) return s;
    return wait_for(ctx, "k3s", "K3s answers /readyz", kReadyz);
}

Status phase_addons(Context& ctx) {
    Env env;
    if (ctx.config.gitops) {
        env = {{"GITOPS_REPOSITORY", ctx.config.gitops->repository},
               {"GITOPS_REVISION", ctx.config.gitops->revision.empty() ? "HEAD" : ctx.config.gitops->revision},
               {"GITOPS_PATH", ctx.config.gitops->path.empty() ? "." : ctx.config.gitops->path}};
    }
    if (auto s = run_scripts(ctx, "addons", {"payload/k3s/30-manifests.sh"}, env); !s) return s;
    // The deploy key goes to the cluster itself, not to the manifests (gitops_secret.h says why).
    if (!ctx.config.gitops || ctx.config.gitops->deploy_key.empty()) {
        remove_repository_secret(ctx);
        return {};
    }
    // K3s's deploy controller makes the namespace from bundle-argocd.yaml, written just now.
    if (auto s = wait_for(ctx, "addons", "the namespace " + std::string(kArgoNamespace) + " exists",
                          k3s_kubectl({"get", "namespace", kArgoNamespace}));
        !s)
        return s;
    return apply_repository_secret(ctx, *ctx.config.gitops);
}

Status phase_health(Context& ctx) {
    const std::string self = ctx.config.self;
    if (auto s = wait_for(ctx, "health", "K3s answers /readyz", kReadyz); !s) return s;
    if (auto s = wait_for(ctx, "health", "node " + self + " is Ready",
                          k3s_kubectl({"wait", "--for=condition=Ready", "node/" + self, "--timeout=10s"}));
        !s)
        return s;
    if (auto s = wait_for(ctx, "health", "Cilium runs on every node",
                          k3s_kubectl({"-n", "kube-system", "rollout", "status", "daemonset/cilium", "--timeout=10s"}));
        !s)
        return s;
    if (auto s = wait_for(ctx, "health", "Argo CD serves",
                          k3s_kubectl({"-n", "argocd", "rollout", "status", "deployment/argocd-server", "--timeout=10s"}));
        !s)
        return s;
    // etcd must peer over the mesh. K3s records the address this node's etcd member advertises in
    // the node's etcd.k3s.cattle.io/node-address annotation; without node-ip it once took the
    // public address (k3s #2965, #3551), which the firewall closes to etcd.
    auto etcd = wait_for_answer(
        ctx, "health", "K3s records etcd's address",
        k3s_kubectl({"get", "node", self, "-o", "jsonpath={.metadata.annotations.etcd\\.k3s\\.cattle\\.io/node-address}"}),
        true);
    if (!etcd) return std::move(etcd).error();
    const std::string& mesh = ctx.config.me().mesh_ipv4;
    if (*etcd != mesh)
        return Error{Code::step_failed, "node " + self,
                     "etcd advertises " + *etcd + ", not the mesh address " + mesh +
                         ": the other servers cannot reach it through the firewall; check node-ip and "
                         "advertise-address in /etc/rancher/k3s/config.yaml"};
    ctx.log.say("health", "etcd advertises the mesh address " + mesh);
    return {};
}

}  // namespace bundle::node
