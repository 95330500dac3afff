#include "fetch/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace bundle::fetch {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string human_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
    return text;
}

std::string human_seconds(double seconds) {
    long s = static_cast<long>(seconds + 0.5);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else
        std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
    return text;
}

std::string utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

// Labels and messages come from URLs and servers: no control character reaches the terminal.
std::string printable(const std::string& text) {
    std::string out;
    for (unsigned char c : text) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    return out;
}

struct Item {
    std::string url;
    std::uint64_t total = 0;
    std::uint64_t resumed_from = 0;
    std::uint64_t bytes = 0;
    Clock::time_point start = Clock::now();
    Clock::time_point last_line = Clock::now();
};

double rate_of(const Item& item) {
    double elapsed = seconds_since(item.start);
    return elapsed > 0 ? static_cast<double>(item.bytes - std::min(item.bytes, item.resumed_from)) / elapsed : 0;
}

// Shared bookkeeping: one mutex, the items in flight.
class Base : public Progress {
protected:
    explicit Base(std::FILE* out) : out_(out) {}
    void line(const std::string& text) {
        std::fputs(text.c_str(), out_);
        std::fputc('\n', out_);
        std::fflush(out_);
    }
    std::FILE* out_;
    std::mutex mutex_;
    std::map<std::string, Item> items_;
};

class Plain : public Base {
public:
    explicit Plain(std::FILE* out, bool quiet) : Base(out), quiet_(quiet) {}

    void started(const std::string& label, const std::string& url, std::uint64_t total,
                 std::uint64_t resumed_from) override {
        std::lock_guard lock(mutex_);
        items_[label] = Item{url, total, resumed_from, resumed_from};
        std::string text = "start " + printable(label) + " " + printable(url);
        if (total > 0) text += " (" + human_bytes(static_cast<double>(total)) + ")";
        if (resumed_from > 0) text += ", resuming at " + human_bytes(static_cast<double>(resumed_from));
        say(text);
    }
    void advanced(const std::string& label, std::uint64_t bytes) override {
        std::lock_guard lock(mutex_);
        Item& item = items_[label];
        item.bytes = bytes;
        if (std::chrono::duration<double>(Clock::now() - item.last_line).count() < 10) return;
        item.last_line = Clock::now();
        std::string text = printable(label) + " " + human_bytes(static_cast<double>(bytes));
        if (item.total > 0) text += " of " + human_bytes(static_cast<double>(item.total));
        text += ", " + human_bytes(rate_of(item)) + "/s";
        say(text);
    }
    void retrying(const std::string& label, const std::string& reason, double delay) override {
        std::lock_guard lock(mutex_);
        char when[32];
        std::snprintf(when, sizeof when, "%.1f s", delay);
        say("retry " + printable(label) + " in " + when + ": " + printable(reason));
    }
    void finished(const std::string& label, bool from_cache) override {
        std::lock_guard lock(mutex_);
        auto it = items_.find(label);
        if (from_cache || it == items_.end()) {
            say("done " + printable(label) + " (cache)");
        } else {
            say("done " + printable(label) + " " + human_bytes(static_cast<double>(it->second.bytes)) + " in " +
                human_seconds(seconds_since(it->second.start)));
        }
        if (it != items_.end()) items_.erase(it);
    }
    void failed(const std::string& label, const std::string& message) override {
        std::lock_guard lock(mutex_);
        items_.erase(label);
        line(utc_now() + " failed " + printable(label) + ": " + printable(message));
    }
    void note(const std::string& message) override {
        std::lock_guard lock(mutex_);
        say(printable(message));
    }

private:
    void say(const std::string& text) {
        if (!quiet_) line(utc_now() + " " + text);
    }
    bool quiet_;
};

class Json : public Base {
public:
    explicit Json(std::FILE* out) : Base(out) {}

    void started(const std::string& label, const std::string& url, std::uint64_t total,
                 std::uint64_t resumed_from) override {
        std::lock_guard lock(mutex_);
        items_[label] = Item{url, total, resumed_from, resumed_from, Clock::now(), Clock::time_point{}};
        emit({{"event", "started"}, {"label", label}, {"url", url}, {"total", total}, {"resumed_from", resumed_from}});
    }
    void advanced(const std::string& label, std::uint64_t bytes) override {
        std::lock_guard lock(mutex_);
        Item& item = items_[label];
        item.bytes = bytes;
        if (std::chrono::duration<double>(Clock::now() - item.last_line).count() < 1) return;
        item.last_line = Clock::now();
        emit({{"event", "progress"}, {"label", label}, {"bytes", bytes}, {"total", item.total}});
    }
    void retrying(const std::string& label, const std::string& reason, double delay) override {
        std::lock_guard lock(mutex_);
        emit({{"event", "retrying"}, {"label", label}, {"reason", reason}, {"delay_seconds", delay}});
    }
    void finished(const std::string& label, bool from_cache) override {
        std::lock_guard lock(mutex_);
        auto it = items_.find(label);
        std::uint64_t bytes = it == items_.end() ? 0 : it->second.bytes;
        if (it != items_.end()) items_.erase(it);
        emit({{"event", "finished"}, {"label", label}, {"from_cache", from_cache}, {"bytes", bytes}});
    }
    void failed(const std::string& label, const std::string& message) override {
        std::lock_guard lock(mutex_);
        items_.erase(label);
        emit({{"event", "failed"}, {"label", label}, {"message", message}});
    }
    void note(const std::string& message) override {
        std::lock_guard lock(mutex_);
        emit({{"event", "note"}, {"message", message}});
    }

private:
    void emit(nlohmann::json object) {
        object["time"] = utc_now();
        // Invalid UTF-8 from a server is replaced, never thrown about.
        line(object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
};

// One live line per active download and a total line, redrawn in place at most ten times a
// second; finished downloads scroll up as permanent lines.
class Terminal : public Base {
public:
    explicit Terminal(std::FILE* out) : Base(out) {}
    ~Terminal() override {
        std::lock_guard lock(mutex_);
        clear();
    }

    void started(const std::string& label, const std::string& url, std::uint64_t total,
                 std::uint64_t resumed_from) override {
        std::lock_guard lock(mutex_);
        if (items_.empty() && finished_bytes_ == 0) start_ = Clock::now();
        items_[label] = Item{url, total, resumed_from, resumed_from};
        redraw(true);
    }
    void advanced(const std::string& label, std::uint64_t bytes) override {
        std::lock_guard lock(mutex_);
        items_[label].bytes = bytes;
        redraw(false);
    }
    void retrying(const std::string& label, const std::string& reason, double delay) override {
        char when[32];
        std::snprintf(when, sizeof when, "%.1f s", delay);
        permanent("retry " + printable(label) + " in " + when + ": " + printable(reason));
    }
    void finished(const std::string& label, bool from_cache) override {
        std::lock_guard lock(mutex_);
        auto it = items_.find(label);
        if (it != items_.end()) {
            finished_bytes_ += it->second.bytes - std::min(it->second.bytes, it->second.resumed_from);
            finished_total_ += it->second.total;
            items_.erase(it);
        }
        clear();
        if (!from_cache) line("done " + printable(label));
        redraw(true);
    }
    void failed(const std::string& label, const std::string& message) override {
        std::lock_guard lock(mutex_);
        items_.erase(label);
        clear();
        line("failed " + printable(label) + ": " + printable(message));
        redraw(true);
    }
    void note(const std::string& message) override { permanent(printable(message)); }

private:
    void permanent(const std::string& text) {
        std::lock_guard lock(mutex_);
        clear();
        line(text);
        redraw(true);
    }
    void clear() {
        for (int i = 0; i < drawn_; ++i) std::fputs("\x1b[1A\x1b[2K", out_);
        drawn_ = 0;
    }
    void redraw(bool now) {
        if (!now && std::chrono::duration<double>(Clock::now() - last_draw_).count() < 0.1) return;
        last_draw_ = Clock::now();
        clear();
        std::uint64_t done = finished_bytes_;
        std::uint64_t total = finished_total_;
        std::uint64_t known_left = 0;
        for (const auto& [label, item] : items_) {
            std::string text = "  " + printable(label) + "  " + human_bytes(static_cast<double>(item.bytes));
            if (item.total > 0) text += " / " + human_bytes(static_cast<double>(item.total));
            text += "  " + human_bytes(rate_of(item)) + "/s";
            line(text);
            ++drawn_;
            done += item.bytes - std::min(item.bytes, item.resumed_from);
            total += item.total;
            if (item.total > item.bytes) known_left += item.total - item.bytes;
        }
        if (items_.empty()) return;
        double elapsed = seconds_since(start_);
        double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
        std::string text = "total " + human_bytes(static_cast<double>(done)) + "  " + human_bytes(rate) + "/s";
        if (rate > 0 && known_left > 0) text += "  " + human_seconds(static_cast<double>(known_left) / rate) + " left";
        line(text);
        ++drawn_;
    }

    int drawn_ = 0;
    Clock::time_point last_draw_{};
    Clock::time_point start_ = Clock::now();
    std::uint64_t finished_bytes_ = 0;
    std::uint64_t finished_total_ = 0;
};

}  // namespace

ProgressStyle detect_progress_style() {
    const char* ci = std::getenv("CI");
    bool in_ci = ci != nullptr && ci[0] != '\0';
    return (::isatty(STDERR_FILENO) == 1 && !in_ci) ? ProgressStyle::terminal : ProgressStyle::plain;
}

std::unique_ptr<Progress> make_progress(ProgressStyle style, std::FILE* out) {
    switch (style) {
        case ProgressStyle::terminal: return std::make_unique<Terminal>(out);
        case ProgressStyle::plain: return std::make_unique<Plain>(out, false);
        case ProgressStyle::quiet: return std::make_unique<Plain>(out, true);
        case ProgressStyle::json: return std::make_unique<Json>(out);
    }
    return std::make_unique<Plain>(out, false);
}

std::unique_ptr<Progress> make_progress(ProgressStyle style) { return make_progress(style, stderr); }

}  // namespace bundle::fetch
