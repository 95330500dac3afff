#include "node/state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/atomic_file.h"
#include "core/fd.h"
#include "core/safe_fs.h"

namespace bundle::node {
namespace {

using nlohmann::json;

std::string strip_slash(std::string root) {
    while (!root.empty() && root.back() == '/') root.pop_back();
    return root;
}

}  // namespace

Status ensure_state_dir(const StateDir& dir) { return make_directories(dir.dir, 0700); }

std::string release_name(std::uint64_t version, const std::string& sha256) {
    return std::to_string(version) + "-" + sha256.substr(0, 12);
}

StateDir::StateDir(std::string root_dir) : root(strip_slash(std::move(root_dir))), dir(root + "/var/lib/bundle") {}

bool InstallState::done(const std::string& phase_name) const {
    return std::find(phases_done.begin(), phases_done.end(), phase_name) != phases_done.end();
}

std::string utc_now() { return utc_now("%Y-%m-%dT%H:%M:%SZ"); }

std::string utc_now(const char* format) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    char text[32];
    if (::gmtime_r(&now, &tm) == nullptr || std::strftime(text, sizeof text, format, &tm) == 0)
        throw std::logic_error(std::string("utc_now: the format does not fit: ") + format);
    return text;
}

Result<InstallState> read_state(const StateDir& dir) {
    std::ifstream in(dir.state(), std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return InstallState{};
        return system_error(Code::io, dir.state(), "cannot open", errno);
    }
    std::stringstream text;
    text << in.rdbuf();
    InstallState state;
    try {
        json doc = json::parse(text.str());
        const json& bundle = doc.at("bundle");
        state.bundle_file = bundle.at("file").get<std::string>();
        state.bundle_version = bundle.at("version").get<std::uint64_t>();
        state.bundle_sha256 = bundle.at("sha256").get<std::string>();
        state.phases_done = doc.at("phases_done").get<std::vector<std::string>>();
        state.phase = doc.at("phase").get<std::string>();
        state.last_error = doc.at("last_error").get<std::string>();
        if (const json& installed = doc.at("installed"); !installed.is_null()) {
            state.installed_version = installed.at("version").get<std::uint64_t>();
            state.installed_sha256 = installed.at("sha256").get<std::string>();
            state.installed_file = installed.value("file", "");
        }
        if (const json previous = doc.value("previous", json(nullptr)); !previous.is_null()) {
            state.previous_version = previous.at("version").get<std::uint64_t>();
            state.previous_sha256 = previous.at("sha256").get<std::string>();
            state.previous_file = previous.value("file", "");
        }
        state.role = doc.at("role").get<std::string>();
        state.joined = doc.at("joined").get<std::string>();
        state.cluster_reset = doc.value("cluster_reset", false);
        state.updated = doc.value("updated", "");
    } catch (const json::exception& e) {
        return Error{Code::invalid_input, dir.state(),
                     std::string("is not the node agent's state (") + e.what() +
                         "); move it away to start the install over"};
    }
    return state;
}

Status write_state(const StateDir& dir, InstallState state) {
    if (auto made = make_directories(dir.dir, 0700); !made) return made;
    state.updated = utc_now();
    json doc = {
        {"bundle", {{"file", state.bundle_file}, {"version", state.bundle_version}, {"sha256", state.bundle_sha256}}},
        {"phases_done", state.phases_done},
        {"phase", state.phase},
        {"last_error", state.last_error},
        {"installed", state.installed_version ? json{{"version", *state.installed_version},
                                                     {"sha256", state.installed_sha256},
                                                     {"file", state.installed_file}}
                                              : json(nullptr)},
        {"role", state.role},
        {"joined", state.joined},
        {"updated", state.updated},
    };
    if (state.cluster_reset) doc["cluster_reset"] = true;
    if (state.previous_version)
        doc["previous"] = {{"version", *state.previous_version}, {"sha256", state.previous_sha256}, {"file", state.previous_file}};
    return write_file_atomically(dir.state(), doc.dump(2) + "\n", 0600);
}

Status append_journal(const StateDir& dir, const std::string& phase, const std::string& text) {
    if (auto made = make_directories(dir.dir, 0700); !made) return made;
    UniqueFd fd(::open(dir.journal().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return system_error(Code::io, dir.journal(), "cannot open the journal", errno);
    std::string line = utc_now() + " " + phase + " " + text + "\n";
    ssize_t n = ::write(fd.get(), line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size()))
        return system_error(Code::io, dir.journal(), "cannot append to the journal", n < 0 ? errno : ENOSPC);
    if (::fdatasync(fd.get()) != 0) return system_error(Code::io, dir.journal(), "cannot sync the journal", errno);
    return {};
}

}  // namespace bundle::node
