#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace bundle {

unsigned default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

Status parallel_for(std::size_t count, unsigned jobs,
                    const std::function<Status(std::size_t item, unsigned worker)>& work) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;  // taken only when an item fails
    std::optional<Error> first_error;
    std::size_t first_error_item = count;

    auto run = [&](unsigned worker) {
        while (!failed.load(std::memory_order_relaxed)) {
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
        std::min<std::size_t>(std::max(1u, jobs), std::max<std::size_t>(count, 1)));
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned w = 1; w < threads; ++w) pool.emplace_back(run, w);
    run(0);
    for (auto& t : pool) t.join();

    if (first_error) return std::move(*first_error);
    return {};
}

}  // namespace bundle
