// Starting K3s without waiting on systemd (k3s_service.h).
#include "node/k3s_service.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "core/safe_fs.h"
#include "node/file_hash.h"

namespace bundle::node {
namespace {

// What K3s reads when it starts, and only then: a change to any needs a restart.
constexpr const char* kStartInputs[] = {
    "/usr/local/bin/k3s",
    "/etc/systemd/system/k3s.service",
    "/etc/systemd/system/k3s.service.env",
    "/etc/rancher/k3s/config.yaml",
    "/etc/rancher/k3s/cluster-token",
    "/etc/rancher/k3s/audit-policy.yaml",
    "/etc/rancher/k3s/pod-security.yaml",
};

// The SHA-256 of the file at `path` (not through a link), or "missing".
Result<std::string> digest_of(const std::string& path) {
    UniqueFd in(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in.valid()) {
        if (errno == ENOENT) return std::string("missing");
        return system_error(Code::io, path, "cannot read", errno);
    }
    return hash_fd(in, path);
}

// One line "<digest>  <path>" per start input, in kStartInputs order.
Result<std::vector<std::string>> start_inputs(const Context& ctx) {
    std::vector<std::string> lines;
    for (const char* path : kStartInputs) {
        auto digest = digest_of(ctx.under_root(path));
        if (!digest) return std::move(digest).error();
        lines.push_back(*digest + "  " + path);
    }
    return lines;
}

// The recorded lines; none when there is no record.
std::vector<std::string> recorded_inputs(const Context& ctx) {
    std::vector<std::string> lines;
    std::ifstream in(ctx.under_root(kK3sStartedRecord));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The paths whose line differs from the record, for the journal ("" when none does).
std::string changed_inputs(const std::vector<std::string>& now, const std::vector<std::string>& recorded) {
    if (recorded.empty()) return "no record of what K3s last started with";
    std::string changed;
    for (std::size_t i = 0; i < now.size(); ++i)
        if (i >= recorded.size() || recorded[i] != now[i])
            changed += (changed.empty() ? "" : ", ") + now[i].substr(now[i].find("  ") + 2);
    return changed.empty() ? "" : changed + " changed since K3s last started";
}

}  // namespace

Status start_k3s_no_wait(Context& ctx) {
    auto now = start_inputs(ctx);
    if (!now) return std::move(now).error();
    std::string why = changed_inputs(*now, recorded_inputs(ctx));
    if (!why.empty()) {
        ctx.log.say("k3s", "restarting K3s: " + why);
        if (auto s = run_step(ctx, "k3s", {{"systemctl", "restart", "--no-block", "k3s.service"}, {}, {}, {}}); !s) return s;
    } else {
        // Unchanged: a running K3s is left alone; one stopped above (a set-aside or reset
        // database) or after a reboot is started.
        if (auto s = run_step(ctx, "k3s", {{"systemctl", "start", "--no-block", "k3s.service"}, {}, {}, {}}); !s) return s;
    }
    std::string record;
    for (const std::string& line : *now) record += line + "\n";
    std::string path = ctx.under_root(kK3sStartedRecord);
    if (auto made = make_directories(path.substr(0, path.rfind('/')), 0700); !made) return made;
    // 0600: it holds a digest of the token file.
    return write_file_atomically(path, record, 0600);
}

}  // namespace bundle::node
