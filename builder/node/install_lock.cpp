#include "node/install_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace bundle::node {

Result<InstallLock> InstallLock::acquire(const StateDir& dir) {
    if (auto made = ensure_state_dir(dir); !made) return std::move(made).error();
    UniqueFd fd(::open(dir.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return system_error(Code::io, dir.lock(), "cannot open the install lock", errno);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) return system_error(Code::io, dir.lock(), "cannot lock", errno);
        char pid[32] = {};
        ssize_t n = ::pread(fd.get(), pid, sizeof pid - 1, 0);
        std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : std::string("?");
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        return Error{Code::busy, dir.lock(),
                     "another `bundle node install` is running (pid " + holder +
                         "); wait for it, or see `bundle node status`"};
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        return system_error(Code::io, dir.lock(), "cannot write the pid into", errno);
    return InstallLock(std::move(fd));
}

}  // namespace bundle::node
