// What a long fetch tells the person waiting for it. On a terminal: one live line per active
// download (name, bytes, rate) and a total line with rate and time left, redrawn in place at most
// ten times a second. Without a terminal, or with CI set in the environment: plain lines with a
// UTC timestamp when a download starts, every 10 s while it runs, and when it ends. --quiet:
// errors only. --json: one JSON object per line (event, label, url, bytes, total, ...).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace bundle::fetch {

enum class ProgressStyle { terminal, plain, quiet, json };

// The style for stderr: terminal when it is a TTY and CI is unset, plain otherwise.
ProgressStyle detect_progress_style();

// Thread-safe; called by the downloader's thread and by others (the registry client).
class Progress {
public:
    virtual ~Progress() = default;
    virtual void started(const std::string& label, const std::string& url, std::uint64_t total_bytes,
                         std::uint64_t resumed_from) = 0;
    virtual void advanced(const std::string& label, std::uint64_t bytes_so_far) = 0;
    virtual void retrying(const std::string& label, const std::string& reason, double delay_seconds) = 0;
    virtual void finished(const std::string& label, bool from_cache) = 0;
    virtual void failed(const std::string& label, const std::string& message) = 0;
    // A line of news that is not about one download ("resolving quay.io/cilium/cilium:v1.18.4").
    virtual void note(const std::string& message) = 0;
};

// Writes to stderr in `style`; a null-object for quiet that still prints failures.
std::unique_ptr<Progress> make_progress(ProgressStyle style);
// The same, writing to `out` (tests capture it; `out` must outlive the object).
std::unique_ptr<Progress> make_progress(ProgressStyle style, std::FILE* out);

}  // namespace bundle::fetch
