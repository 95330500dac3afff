#include "node/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>

#include "core/fd.h"

extern char** environ;

namespace bundle::node {
namespace {

constexpr std::size_t kKeptOutput = 64 * 1024;

std::vector<std::string> merged_environment(const Command& command) {
    std::map<std::string, std::string> env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto eq = text.find('=');
        if (eq == std::string_view::npos) continue;
        env[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
    }
    for (const auto& [key, value] : command.env) env[key] = value;
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [key, value] : env) out.push_back(key + "=" + value);
    return out;
}

std::vector<char*> pointers(std::vector<std::string>& texts) {
    std::vector<char*> out;
    for (auto& text : texts) out.push_back(text.data());
    out.push_back(nullptr);
    return out;
}

// Spawn attributes and file actions, released on every path.
struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attributes{};
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

class SystemRunner final : public CommandRunner {
public:
    Result<CommandResult> run(const Command& command, const LineSink& on_line) override {
        if (command.argv.empty()) return Error{Code::internal, "", "a command without a program"};
        int out_pipe[2];
        int in_pipe[2];
        if (::pipe2(out_pipe, O_CLOEXEC) != 0) return system_error(Code::io, command.argv[0], "cannot make a pipe", errno);
        UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
        if (::pipe2(in_pipe, O_CLOEXEC) != 0) return system_error(Code::io, command.argv[0], "cannot make a pipe", errno);
        UniqueFd in_read(in_pipe[0]), in_write(in_pipe[1]);

        SpawnSetup setup;
        posix_spawn_file_actions_adddup2(&setup.actions, in_read.get(), 0);
        posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1);
        posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 2);
        if (!command.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, command.cwd.c_str());
        // The child starts with default signal dispositions and mask, whatever the agent set up.
        sigset_t all, none;
        sigfillset(&all);
        sigemptyset(&none);
        posix_spawnattr_setsigdefault(&setup.attributes, &all);
        posix_spawnattr_setsigmask(&setup.attributes, &none);
        posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

        std::vector<std::string> argv = command.argv;
        std::vector<std::string> env = merged_environment(command);
        auto argv_ptrs = pointers(argv);
        auto env_ptrs = pointers(env);
        pid_t pid = 0;
        int err = ::posix_spawnp(&pid, argv[0].c_str(), &setup.actions, &setup.attributes, argv_ptrs.data(), env_ptrs.data());
        if (err != 0) return system_error(Code::io, argv[0], "cannot run", err);
        in_read.reset();
        out_write.reset();

        CommandResult result;
        feed_and_collect(command.input, std::move(in_write), out_read.get(), on_line, result.output);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) return system_error(Code::io, argv[0], "cannot wait for", errno);
        }
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return result;
    }

private:
    // Writes `input` to the child's stdin while reading its output, so that neither side can
    // block the other on a full pipe.
    static void feed_and_collect(const std::string& input, UniqueFd in, int out, const LineSink& on_line,
                                 std::string& kept) {
        std::size_t written = 0;
        if (input.empty()) in.reset();
        std::string pending;
        char buffer[8192];
        for (;;) {
            pollfd fds[2] = {{out, POLLIN, 0}, {in.valid() ? in.get() : -1, POLLOUT, 0}};
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                break;
            }
            if (in.valid() && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
                ssize_t n = ::write(in.get(), input.data() + written, input.size() - written);
                if (n > 0) written += static_cast<std::size_t>(n);
                if (n < 0 && errno != EINTR && errno != EAGAIN) written = input.size();  // the child closed it
                if (written >= input.size()) in.reset();
            }
            if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            ssize_t n = ::read(out, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            pending.append(buffer, static_cast<std::size_t>(n));
            kept.append(buffer, static_cast<std::size_t>(n));
            if (kept.size() > 2 * kKeptOutput) kept.erase(0, kept.size() - kKeptOutput);
            for (auto eol = pending.find('\n'); eol != std::string::npos; eol = pending.find('\n')) {
                if (on_line) on_line(std::string_view(pending).substr(0, eol));
                pending.erase(0, eol + 1);
            }
        }
        if (!pending.empty() && on_line) on_line(pending);
        if (kept.size() > kKeptOutput) kept.erase(0, kept.size() - kKeptOutput);
    }
};

bool needs_quotes(const std::string& word) {
    if (word.empty()) return true;
    for (char c : word)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+@%", c) != nullptr)) return true;
    return false;
}

}  // namespace

std::unique_ptr<CommandRunner> system_runner() { return std::make_unique<SystemRunner>(); }

std::string describe(const Command& command) {
    std::string out;
    for (const auto& word : command.argv) {
        if (!out.empty()) out += ' ';
        if (!needs_quotes(word)) {
            out += word;
            continue;
        }
        out += '\'';
        for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

Command k3s_kubectl(std::vector<std::string> args) {
    Command command{{"k3s", "kubectl"}, {}, {}, {}};
    command.argv.insert(command.argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
    return command;
}

std::string last_line(std::string_view output) {
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r' || output.back() == ' '))
        output.remove_suffix(1);
    std::size_t newline = output.rfind('\n');
    return std::string(newline == std::string_view::npos ? output : output.substr(newline + 1));
}

}  // namespace bundle::node
