// One download of download_all (downloader.h) across its attempts: the .part file it owns (under
// an exclusive flock), the SHA-256 of every byte in that file, and the libcurl handle of the
// attempt in flight. The multi loop in downloader.cpp only schedules; every decision about a
// response (resume, restart, retry, fail, publish) is made here.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "core/fd.h"
#include "fetch/curl_setup.h"
#include "fetch/downloader.h"

namespace bundle::fetch::detail {

class Transfer {
public:
    Transfer(const Download& download, const Cache& cache, const DownloadOptions& options);
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    enum class Ready { done, waiting, transfer };
    // Looks the content up in the cache, takes the .part file's lock (`waiting` while another
    // run holds it), and hashes the bytes already there. Idempotent until it says `transfer`.
    Result<Ready> prepare();

    // A handle for the next attempt, resuming from the end of the .part file.
    Result<CURL*> start();

    struct Outcome {
        enum Kind { done, retry, failed } kind = done;
        std::chrono::milliseconds delay{0};  // for retry
        std::optional<Error> error;          // for failed
    };
    // Judges the finished attempt (its handle is released here).
    Outcome complete(CURLcode code);

    // Drops the attempt in flight (the caller removed it from the multi handle); the .part file
    // and what it holds stay for the next run.
    void abandon();

    const Downloaded& result() const { return result_; }
    std::chrono::steady_clock::time_point not_before{};

private:
    static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
    std::size_t write(const char* data, std::size_t bytes);
    bool begin_body();

    Result<bool> lock_part();
    Status rehash_part();
    Status truncate_part();
    Outcome finalize();
    Outcome retry_later(Error final_error, const std::string& reason, double retry_after_seconds);
    Outcome fail(Error error);
    Outcome publish(const hash::Sha256Digest& digest);
    Outcome done_from_cache(const std::filesystem::path& path);

    const Download& download_;
    const Cache& cache_;
    const DownloadOptions& options_;
    std::string shown_url_;  // without credentials
    std::filesystem::path part_path_;
    std::uint64_t limit_ = 0;

    UniqueFd part_;  // open and flocked once prepare() said `transfer`
    hash::Sha256 hasher_;
    std::uint64_t offset_ = 0;  // bytes in the .part file, all of them hashed
    unsigned failures_ = 0;
    unsigned restarts_ = 0;       // restarts from zero forced by the server's answers
    bool relied_on_old_bytes_ = false;
    bool redownloaded_ = false;   // the one fresh download after a resumed file failed its digest
    bool announced_ = false;
    bool told_waiting_ = false;

    // The attempt in flight.
    Easy easy_;
    HeaderList headers_;
    char error_buffer_[CURL_ERROR_SIZE] = {};
    std::uint64_t requested_from_ = 0;
    std::string content_range_;
    bool body_started_ = false;
    bool discard_body_ = false;
    bool exceeded_ = false;
    bool bad_range_ = false;
    std::optional<Error> write_error_;
    std::uint64_t reported_ = 0;

    Downloaded result_;
};

}  // namespace bundle::fetch::detail
