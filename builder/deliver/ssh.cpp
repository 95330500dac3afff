#include "deliver/ssh.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "deliver/ssh_errors.h"
#include "render/bootstrap.h"

namespace bundle::deliver {
namespace {

// Options of every call; see ssh.h for why each is there.
const std::vector<std::string> kOptions = {
    "-o", "BatchMode=yes",         "-o", "ConnectTimeout=15",   "-o", "ServerAliveInterval=15",
    "-o", "ServerAliveCountMax=4", "-o", "ForwardAgent=no",     "-o", "ForwardX11=no",
    "-o", "ClearAllForwardings=yes", "-o", "PermitLocalCommand=no"};

// A private folder for the control socket. Socket paths are short (108 bytes) and ssh expands
// '%' and a leading '~' in ControlPath, so an unusual $TMPDIR gives way to /tmp.
Result<std::string> private_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp != nullptr ? tmp : "";
    if (base.empty() || base.size() > 60 || base.find_first_of("%~ ") != std::string::npos) base = "/tmp";
    std::string pattern = base + "/bundle-ssh-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        return system_error(Code::io, base, "cannot make a private folder for the SSH connection", errno);
    return pattern;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string host_part(const std::string& destination) {
    auto at = destination.rfind('@');
    return at == std::string::npos ? destination : destination.substr(at + 1);
}

OutputSink collect(std::string& into) {
    return [&into](std::string_view bytes) { into.append(bytes); };
}

}  // namespace

Status check_destination(const std::string& destination) {
    if (destination.empty()) return Error{Code::usage, "--ssh", "is empty; give user@host"};
    if (destination.front() == '-')
        return Error{Code::usage, destination, "starts with '-', which ssh would read as an option"};
    for (unsigned char c : destination)
        if (c <= ' ' || c == 0x7f) return Error{Code::usage, destination, "holds a space or a control character"};
    if (destination.back() == '@') return Error{Code::usage, destination, "names no host after '@'"};
    return {};
}

std::string remote_command(const std::vector<std::string>& words) {
    std::string command;
    for (const auto& word : words) command += (command.empty() ? "" : " ") + render::shell_quote(word);
    return command;
}

Result<SshSession> SshSession::open(const SshTarget& target, const std::atomic<bool>* cancel,
                                    const std::function<void(const std::string&)>& say) {
    BUNDLE_TRY(check_destination(target.destination));
    for (const auto* file : {&target.identity, &target.config})
        if (!file->empty() && ::access(file->c_str(), R_OK) != 0)
            return system_error(Code::usage, *file, "cannot be read", errno);
    auto dir = private_dir();
    if (!dir) return std::move(dir).error();
    SshSession session;
    session.target_ = target;
    session.dir_ = *dir;
    session.socket_ = *dir + "/master";
    session.options_ = kOptions;

    // ssh's effective configuration for this destination: the names errors use, and whether the
    // user chose a host key policy of their own.
    std::string config, errors;
    std::vector<std::string> argv = session.base_argv();
    argv.insert(argv.end(), {"-G", "--", target.destination});
    auto shown = run_child(argv, ChildIo{{}, collect(config), collect(errors), {}, cancel});
    if (!shown) return std::move(shown).error();
    if (*shown != 0)
        return Error{Code::usage, target.config.empty() ? "ssh" : target.config,
                     "ssh cannot use its configuration for " + target.destination + ": " + last_line(errors)};
    std::map<std::string, std::string> effective;
    std::istringstream lines(config);
    for (std::string key, value; lines >> key && std::getline(lines >> std::ws, value);) effective.emplace(key, value);
    if (effective["stricthostkeychecking"] == "ask")
        session.options_.insert(session.options_.end(), {"-o", "StrictHostKeyChecking=accept-new"});
    session.host_ = effective["hostname"];
    session.port_ = effective["port"];
    std::string typed = host_part(target.destination);
    session.name_ = effective["user"] + "@" + (typed == session.host_ ? typed : typed + " (" + session.host_ + ")") +
                    " port " + session.port_;

    std::string log = session.dir_ + "/master.log";
    argv = session.base_argv();
    argv.insert(argv.end(), {"-o", "ControlMaster=yes", "-o", "ControlPersist=60", "-f", "-N", "--",
                             target.destination});
    auto master = run_child(argv, ChildIo{{}, {}, {}, log, cancel});
    if (!master) return std::move(master).error();
    std::string said = read_text(log);
    if (*master != 0) return ssh_error(session.name_, session.known_host(), "log in", said);
    std::istringstream notices(said);
    for (std::string line; std::getline(notices, line);)
        if (!line.empty() && say) say("ssh: " + line);
    return session;
}

SshSession::SshSession(SshSession&& other) noexcept
    : target_(std::move(other.target_)),
      options_(std::move(other.options_)),
      dir_(std::exchange(other.dir_, {})),
      socket_(std::move(other.socket_)),
      name_(std::move(other.name_)),
      host_(std::move(other.host_)),
      port_(std::move(other.port_)) {}

SshSession::~SshSession() {
    if (dir_.empty()) return;
    std::vector<std::string> argv = base_argv();
    argv.insert(argv.end(), {"-O", "exit", "--", target_.destination});
    (void)run_child(argv, ChildIo{});  // a master that is gone already is as good as one that exits
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> SshSession::base_argv() const {
    std::vector<std::string> argv = {"ssh"};
    if (!target_.config.empty()) argv.insert(argv.end(), {"-F", target_.config});
    if (target_.port) argv.insert(argv.end(), {"-p", std::to_string(*target_.port)});
    if (!target_.identity.empty()) argv.insert(argv.end(), {"-i", target_.identity, "-o", "IdentitiesOnly=yes"});
    argv.insert(argv.end(), options_.begin(), options_.end());
    argv.insert(argv.end(), {"-o", "ControlPath=" + socket_});
    return argv;
}

std::string SshSession::known_host() const { return port_ == "22" ? host_ : "[" + host_ + "]:" + port_; }

Result<int> SshSession::run(const std::string& command, const ChildIo& io) const {
    std::vector<std::string> argv = base_argv();
    argv.insert(argv.end(), {"-o", "ControlMaster=no", "-T", "--", target_.destination, command});
    return run_child(argv, io);
}

std::optional<Error> SshSession::connection_failure(int status, const std::string& stderr_tail,
                                                    const std::string& step) const {
    if (status != 255) return std::nullopt;
    if (ssh_lost_connection(stderr_tail))
        return Error{Code::network, name_,
                     step + ": the SSH connection was lost (ssh: " + last_line(stderr_tail) +
                         "); check the node is up, then push again: every step is safe to repeat"};
    if (!ssh_advice(stderr_tail).empty()) return ssh_error(name_, known_host(), step, stderr_tail);
    return std::nullopt;
}

}  // namespace bundle::deliver
