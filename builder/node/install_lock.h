// One install at a time: `bundle node install` holds an exclusive flock on
// /var/lib/bundle/install.lock for as long as it runs. A second run fails at once (it does not
// queue behind the first: two installs of one node are an operator's mistake or a unit started
// twice, and waiting would hide it). The kernel drops the lock when the process dies, however it
// dies, so a crash never leaves a stale lock behind; the file keeps the holder's pid for the
// message.
#pragma once

#include "core/error.h"
#include "core/fd.h"
#include "node/state.h"

namespace bundle::node {

class InstallLock {
public:
    static Result<InstallLock> acquire(const StateDir& dir);

private:
    explicit InstallLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace bundle::node
