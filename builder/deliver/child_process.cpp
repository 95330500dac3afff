#include "deliver/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "core/fd.h"

extern char** environ;

namespace bundle::deliver {
namespace {

constexpr std::size_t kReadSize = 64 * 1024;
constexpr int kPollMillis = 200;

// SIGPIPE blocked for this thread while it feeds a pipe, and any SIGPIPE that the feeding raised
// taken off the queue before the old mask comes back: a reader that went away shows as EPIPE.
class SigpipeBlocked {
public:
    SigpipeBlocked() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~SigpipeBlocked() {
        if (!was_pending_) {
            struct timespec zero {};
            while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeBlocked(const SigpipeBlocked&) = delete;
    SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

private:
    sigset_t pipe_{};
    sigset_t old_{};
    bool was_pending_ = false;
};

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return system_error(Code::io, "pipe", "cannot create a pipe", errno);
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Owns posix_spawn's two C structures.
struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 128;
}

// The poll loop: feeds stdin, drains stdout and stderr, until all three are closed.
class Pump {
public:
    Pump(pid_t pid, const ChildIo& io, UniqueFd in, UniqueFd out, UniqueFd err)
        : pid_(pid), io_(io), in_(std::move(in)), out_(std::move(out)), err_(std::move(err)) {}

    Status run() {
        if (in_.valid()) ::fcntl(in_.get(), F_SETFL, ::fcntl(in_.get(), F_GETFL) | O_NONBLOCK);
        while (in_.valid() || out_.valid() || err_.valid()) {
            pollfd fds[3];
            nfds_t count = 0;
            if (in_.valid()) fds[count++] = {in_.get(), POLLOUT, 0};
            if (out_.valid()) fds[count++] = {out_.get(), POLLIN, 0};
            if (err_.valid()) fds[count++] = {err_.get(), POLLIN, 0};
            if (::poll(fds, count, kPollMillis) < 0 && errno != EINTR)
                return stop(system_error(Code::io, "poll", "cannot wait for the child", errno));
            if (io_.cancel != nullptr && io_.cancel->load()) return stop(Error{Code::io, "", "interrupted"});
            for (nfds_t i = 0; i < count; ++i) {
                if (fds[i].revents == 0) continue;
                if (fds[i].fd == in_.get()) {
                    if (auto fed = feed(); !fed) return stop(std::move(fed).error());
                } else {
                    bool is_out = fds[i].fd == out_.get();
                    drain(is_out ? out_ : err_, is_out ? io_.on_stdout : io_.on_stderr);
                }
            }
        }
        return {};
    }

private:
    Status feed() {
        if (pending_.empty()) {
            auto next = io_.input();
            if (!next) return std::move(next).error();
            if (next->empty()) {
                in_.reset();  // the end of the input: the child sees EOF
                return {};
            }
            pending_ = *next;
        }
        ssize_t n = ::write(in_.get(), pending_.data(), pending_.size());
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return {};
        if (n < 0) {
            // EPIPE: the child stopped reading (it failed, or finished early); its exit status says which.
            in_.reset();
            pending_ = {};
            return {};
        }
        pending_.remove_prefix(static_cast<std::size_t>(n));
        return {};
    }

    void drain(UniqueFd& fd, const OutputSink& sink) {
        char buffer[kReadSize];
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
            fd.reset();
            return;
        }
        sink(std::string_view(buffer, static_cast<std::size_t>(n)));
    }

    // Ends the child on an error of ours; its output is no longer wanted.
    Error stop(Error error) {
        ::kill(pid_, SIGTERM);
        in_.reset();
        out_.reset();
        err_.reset();
        return error;
    }

    pid_t pid_;
    const ChildIo& io_;
    UniqueFd in_, out_, err_;
    std::string_view pending_;
};

// For a child whose output all goes to files: waits without blocking a cancel.
Status wait_quietly(pid_t pid, const ChildIo& io, int& status) {
    for (;;) {
        int raw = 0;
        pid_t done = ::waitpid(pid, &raw, WNOHANG);
        if (done == pid) {
            status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
            return {};
        }
        if (done < 0 && errno != EINTR)
            return system_error(Code::internal, "waitpid", "cannot wait for the child", errno);
        if (io.cancel != nullptr && io.cancel->load()) {
            ::kill(pid, SIGTERM);
            wait_for(pid);
            return Error{Code::io, "", "interrupted"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

Result<int> run_child(const std::vector<std::string>& argv, const ChildIo& io) {
    SigpipeBlocked sigpipe;
    Pipe in, out, err;
    SpawnSetup setup;
    if (io.input) {
        auto p = make_pipe();
        if (!p) return std::move(p).error();
        in = std::move(*p);
        posix_spawn_file_actions_adddup2(&setup.actions, in.read.get(), STDIN_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (io.on_stdout) {
        auto p = make_pipe();
        if (!p) return std::move(p).error();
        out = std::move(*p);
        posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), STDOUT_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    }
    if (!io.stderr_file.empty()) {
        posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, io.stderr_file.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    } else if (io.on_stderr) {
        auto p = make_pipe();
        if (!p) return std::move(p).error();
        err = std::move(*p);
        posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), STDERR_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);
    posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> cargv;
    for (const auto& arg : argv) cargv.push_back(const_cast<char*>(arg.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = -1;
    int spawned = ::posix_spawnp(&pid, cargv[0], &setup.actions, &setup.attr, cargv.data(), environ);
    if (spawned == ENOENT) return Error{Code::io, argv[0], "is not installed here (not found in PATH)"};
    if (spawned != 0) return system_error(Code::io, argv[0], "cannot run it", spawned);
    in.read.reset();
    out.write.reset();
    err.write.reset();

    if (!in.write.valid() && !out.read.valid() && !err.read.valid()) {
        int status = 0;
        BUNDLE_TRY(wait_quietly(pid, io, status));
        return status;
    }
    Pump pump(pid, io, std::move(in.write), std::move(out.read), std::move(err.read));
    Status pumped = pump.run();
    int status = wait_for(pid);
    if (!pumped) return std::move(pumped).error();
    return status;
}

}  // namespace bundle::deliver
