// The hot paths (hashing, verifying, extracting) split their work into independent items and run
// them on every core. Items are handed out from one atomic counter: no lock, no queue, no
// process-wide state. Each worker has an index so that callers can give it its own buffers.
#pragma once

#include <cstddef>
#include <functional>

#include "core/error.h"

namespace bundle {

// The number of workers to use by default: one per online core.
unsigned default_jobs();

// Runs `work(item, worker)` for every item in [0, count) on up to `jobs` threads (the calling
// thread is one of them). After the first failure no new item starts; the error returned is the
// one of the lowest-numbered failed item, so that messages do not depend on timing.
Status parallel_for(std::size_t count, unsigned jobs,
                    const std::function<Status(std::size_t item, unsigned worker)>& work);

}  // namespace bundle
