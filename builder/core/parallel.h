// The hot paths (hashing, verifying, extracting) split their work into independent items and run
// them on every core. Items are handed out from one atomic counter: no lock, no queue, no
// process-wide state. Each worker has an index so that callers can give it its own buffers.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

#include "core/error.h"

namespace bundle {

// The number of workers to use by default: one per online core.
unsigned default_jobs();

// How many workers parallel_for will use for `jobs` (at least one): callers size their
// per-worker buffers with it.
unsigned worker_count(unsigned jobs);

// Runs `work(item, worker)` for every item in [0, count) on up to worker_count(jobs) threads (the
// calling thread is one of them; if the system refuses more threads, it goes on with those it
// has). After the first failure, or once `*cancel` is set, no new item starts; the error returned
// is that of the lowest-numbered item among those that failed, and a cancelled run returns
// "interrupted" (Code::io).
Status parallel_for(std::size_t count, unsigned jobs,
                    const std::function<Status(std::size_t item, unsigned worker)>& work,
                    const std::atomic<bool>* cancel = nullptr);

}  // namespace bundle
