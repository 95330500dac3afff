#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace bundle {

unsigned default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

unsigned worker_count(unsigned jobs) { return std::max(1u, jobs); }

Status parallel_for(std::size_t count, unsigned jobs,
                    const std::function<Status(std::size_t item, unsigned worker)>& work,
                    const std::atomic<bool>* cancel) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;  // taken only when an item fails
    std::optional<Error> first_error;
    std::size_t first_error_item = count;

    auto run = [&](unsigned worker) {
        while (!failed.load(std::memory_order_relaxed)) {
            if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
                failed.store(true, std::memory_order_relaxed);
                return;
            }
            std::size_t item = next.fetch_add(1, std::memory_order_relaxed);
            if (item >= count) return;
            Status status = work(item, worker);
            if (!status) {
                std::lock_guard lock(error_mutex);
                if (item < first_error_item) {
                    first_error_item = item;
                    first_error = std::move(status).error();
                }
                failed.store(true, std::memory_order_relaxed);
            }
        }
    };

    unsigned threads = static_cast<unsigned>(
        std::min<std::size_t>(worker_count(jobs), std::max<std::size_t>(count, 1)));
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    try {
        for (unsigned w = 1; w < threads; ++w) pool.emplace_back(run, w);
    } catch (const std::system_error&) {
        // Out of threads (pids.max, ulimit -u): the ones already running share the work.
    }
    run(0);
    for (auto& t : pool) t.join();

    if (first_error) return std::move(*first_error);
    if (failed.load()) return Error{Code::io, "", "interrupted"};
    return {};
}

}  // namespace bundle
