#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>

#include "format/inspect.h"

namespace bundle::cli {

Progress::Progress(std::string label, std::atomic<std::uint64_t>& total, bool quiet)
    : label_(std::move(label)),
      total_(total),
      known_at_start_(total.load(std::memory_order_relaxed) > 0),
      quiet_(quiet),
      start_(std::chrono::steady_clock::now()) {
    terminal_ = ::isatty(STDERR_FILENO) == 1 && std::getenv("CI") == nullptr;
    if (!quiet_) thread_ = std::thread([this] { run(); });
}

Progress::~Progress() { finish(); }

double Progress::finish() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (drawn_ && terminal_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::run() {
    const auto period = terminal_ ? std::chrono::milliseconds(250) : std::chrono::seconds(5);
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) return;
    // Nothing is drawn until the total is known (a build downloads first, with a reporter of its
    // own), and the rate counts from then: from the start when the total was known at once (an
    // upload, a verify), since the bytes counted from the start too; else from the moment it
    // became known, over the bytes done since. (Counting from the first draw instead divided a
    // second's bytes by microseconds: "143.1 TiB/s", seen in `bundle push` to a VM.)
    std::optional<std::chrono::steady_clock::time_point> counting;
    std::uint64_t base = 0;
    if (known_at_start_) counting = start_;
    do {
        if (!counting && total_.load(std::memory_order_relaxed) > 0) {
            counting = std::chrono::steady_clock::now();
            base = done_.load(std::memory_order_relaxed);
        }
        if (counting) draw(std::chrono::duration<double>(std::chrono::steady_clock::now() - *counting).count(), base);
    } while (!wake_.wait_for(lock, period, [this] { return stop_; }));
}

void Progress::draw(double seconds, std::uint64_t base) {
    std::uint64_t done = done_.load(std::memory_order_relaxed);
    std::uint64_t total = total_.load(std::memory_order_relaxed);
    double rate = seconds > 0 && done > base ? static_cast<double>(done - base) / seconds : 0;
    char line[256];
    int percent = total > 0 ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)) : 0;
    double left = rate > 0 && total > done ? static_cast<double>(total - done) / rate : 0;
    std::snprintf(line, sizeof line, "%s %s / %s (%d%%), %s/s, %.0f s left", label_.c_str(),
                  format::human_size(done).c_str(), format::human_size(total).c_str(), percent,
                  format::human_size(static_cast<std::uint64_t>(rate)).c_str(), left);
    if (terminal_) {
        std::fprintf(stderr, "\r\033[K%s", line);
    } else {
        std::time_t now = std::time(nullptr);
        std::tm tm {};
        gmtime_r(&now, &tm);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        std::fprintf(stderr, "%s %s\n", stamp, line);
    }
    std::fflush(stderr);
    drawn_ = true;
}

}  // namespace bundle::cli
