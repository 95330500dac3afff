// Progress of long work (hashing, verifying, extracting), read from an atomic byte counter by a
// thread of its own so that the workers never wait for the terminal. On a terminal one line is
// redrawn in place; otherwise (CI, a pipe, or CI set) a plain timestamped line every few seconds.
// Work that ends within a second prints nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace bundle::cli {

class Progress {
public:
    Progress(std::string label, std::atomic<std::uint64_t>& total, bool quiet);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    std::atomic<std::uint64_t>& done() { return done_; }
    // Stops the reporter and clears its line; returns seconds since construction.
    double finish();

private:
    void run();
    // One line; the rate is (done - base) / seconds.
    void draw(double seconds, std::uint64_t base);

    std::string label_;
    std::atomic<std::uint64_t>& total_;
    bool known_at_start_ = false;  // the total was known when the work began
    std::atomic<std::uint64_t> done_{0};
    bool terminal_ = false;
    bool quiet_ = false;
    bool drawn_ = false;
    bool stop_ = false;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::chrono::steady_clock::time_point start_;
    std::thread thread_;
};

}  // namespace bundle::cli
