#include "fetch/transfer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <vector>

namespace bundle::fetch::detail {
namespace {

constexpr std::uint64_t report_every = 256 * 1024;
constexpr std::uint64_t max_error_body = 1 << 20;  // an error page is read and dropped
constexpr unsigned max_restarts = 2;               // restarts from zero forced by the server

std::string label_of(const Download& download) {
    if (!download.label.empty()) return download.label;
    std::string url = redact_url(download.url);
    std::size_t end = url.find_first_of("?#");
    if (end != std::string::npos) url.resize(end);
    std::size_t slash = url.rfind('/');
    return slash == std::string::npos ? url : url.substr(slash + 1);
}

std::string part_key(const Download& download) {
    if (download.sha256) return hash::to_hex(*download.sha256);
    // Without a pin the part is never resumed (see prepare()); it only needs a stable name.
    auto digest = hash::sha256(download.url);
    return "url-" + (digest ? hash::to_hex(*digest) : std::string("unknown"));
}

bool starts_with_nocase(const std::string& text, const char* prefix) {
    for (std::size_t i = 0; prefix[i] != '\0'; ++i) {
        if (i >= text.size() ||
            std::tolower(static_cast<unsigned char>(text[i])) != static_cast<unsigned char>(prefix[i]))
            return false;
    }
    return true;
}

// The first byte position of "bytes 100-199/200", or nullopt.
std::optional<std::uint64_t> range_start(const std::string& content_range) {
    if (!starts_with_nocase(content_range, "bytes ")) return std::nullopt;
    const char* begin = content_range.c_str() + 6;
    char* end = nullptr;
    errno = 0;
    unsigned long long start = std::strtoull(begin, &end, 10);
    if (errno != 0 || end == begin || *end != '-') return std::nullopt;
    return static_cast<std::uint64_t>(start);
}

}  // namespace

Transfer::Transfer(const Download& download, const Cache& cache, const DownloadOptions& options)
    : download_(download),
      cache_(cache),
      options_(options),
      shown_url_(redact_url(download.url)),
      part_path_(cache.partial_path(part_key(download))),
      limit_(download.size ? *download.size : download.max_size) {}

Result<Transfer::Ready> Transfer::prepare() {
    if (download_.sha256) {
        auto found = cache_.find(*download_.sha256);
        if (!found) return std::move(found).error();
        if (*found) {
            done_from_cache(**found);
            return Ready::done;
        }
    }
    if (part_.valid()) return Ready::transfer;

    auto locked = lock_part();
    if (!locked) return std::move(locked).error();
    if (!*locked) {
        if (!told_waiting_ && options_.progress != nullptr)
            options_.progress->note(label_of(download_) + ": waiting for another run that is downloading it");
        told_waiting_ = true;
        return Ready::waiting;
    }
    if (download_.sha256) {
        // The run we waited for may have finished it.
        auto found = cache_.find(*download_.sha256);
        if (!found) return std::move(found).error();
        if (*found) {
            static_cast<void>(::unlink(part_path_.c_str()));  // ours, under our lock
            part_.reset();
            done_from_cache(**found);
            return Ready::done;
        }
        BUNDLE_TRY(rehash_part());
    } else {
        BUNDLE_TRY(truncate_part());  // nothing to check old bytes against: start afresh
    }
    if (offset_ > limit_) BUNDLE_TRY(truncate_part());
    if (download_.size && offset_ == *download_.size && offset_ > 0) {
        // Complete already (killed between the last byte and the rename).
        Outcome outcome = finalize();
        if (outcome.kind == Outcome::failed) return std::move(*outcome.error);
        if (outcome.kind == Outcome::done) return Ready::done;
    }
    return Ready::transfer;
}

// Opens and flocks the .part file. Another run may rename or remove the file between our open
// and our lock, so the lock counts only if the path still names the inode we locked.
Result<bool> Transfer::lock_part() {
    for (int tries = 0; tries < 100; ++tries) {
        int fd = ::open(part_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) return system_error(Code::io, part_path_.string(), "cannot open", errno);
        UniqueFd owned(fd);
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK || errno == EINTR) return false;
            return system_error(Code::io, part_path_.string(), "cannot lock", errno);
        }
        struct stat held {};
        struct stat named {};
        if (::fstat(fd, &held) != 0) return system_error(Code::io, part_path_.string(), "cannot stat", errno);
        if (::stat(part_path_.c_str(), &named) == 0 && named.st_ino == held.st_ino && named.st_dev == held.st_dev) {
            part_ = std::move(owned);
            return true;
        }
    }
    return Error{Code::io, part_path_.string(), "the partial file keeps changing under us"};
}

Status Transfer::rehash_part() {
    hasher_ = hash::Sha256();
    offset_ = 0;
    std::vector<char> buffer(1 << 20);
    for (;;) {
        ssize_t got = ::pread(part_.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset_));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return system_error(Code::io, part_path_.string(), "read failed", errno);
        if (got == 0) break;
        if (offset_ + static_cast<std::uint64_t>(got) > limit_) return truncate_part();
        BUNDLE_TRY(hasher_.update(buffer.data(), static_cast<std::size_t>(got)));
        offset_ += static_cast<std::uint64_t>(got);
    }
    relied_on_old_bytes_ = offset_ > 0;
    return {};
}

Status Transfer::truncate_part() {
    if (::ftruncate(part_.get(), 0) != 0) return system_error(Code::io, part_path_.string(), "cannot truncate", errno);
    hasher_ = hash::Sha256();
    offset_ = 0;
    reported_ = 0;
    return {};
}

Result<CURL*> Transfer::start() {
    auto easy = make_easy(download_.url, download_.headers, options_.http, headers_, error_buffer_);
    if (!easy) return std::move(easy).error();
    easy_ = std::move(*easy);
    CURL* e = easy_.get();
    BUNDLE_TRY(set_option(e, CURLOPT_WRITEFUNCTION, &Transfer::on_body));
    BUNDLE_TRY(set_option(e, CURLOPT_WRITEDATA, static_cast<void*>(this)));
    BUNDLE_TRY(set_option(e, CURLOPT_HEADERFUNCTION, &Transfer::on_header));
    BUNDLE_TRY(set_option(e, CURLOPT_HEADERDATA, static_cast<void*>(this)));
    BUNDLE_TRY(set_option(e, CURLOPT_BUFFERSIZE, 256L * 1024L));
    if (offset_ > 0) BUNDLE_TRY(set_option(e, CURLOPT_RANGE, (std::to_string(offset_) + "-").c_str()));

    requested_from_ = offset_;
    content_range_.clear();
    body_started_ = discard_body_ = exceeded_ = bad_range_ = false;
    write_error_.reset();
    if (options_.progress != nullptr && !announced_) {
        options_.progress->started(label_of(download_), shown_url_, download_.size.value_or(0), offset_);
        announced_ = true;
    }
    return e;
}

std::size_t Transfer::on_header(char* data, std::size_t size, std::size_t count, void* self) {
    auto* transfer = static_cast<Transfer*>(self);
    std::size_t bytes = size * count;
    std::string line(data, bytes);
    if (line.rfind("HTTP/", 0) == 0) {
        transfer->content_range_.clear();  // a redirect's headers do not count
    } else if (starts_with_nocase(line, "content-range:")) {
        std::string value = line.substr(14);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
        transfer->content_range_ = value;
    }
    return bytes;
}

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
    return static_cast<Transfer*>(self)->write(data, size * count);
}

// Decides, on the first byte of the final response, what its body is: the continuation of the
// .part file (a 206 from where we asked), the whole content (a 2xx: the old bytes are dropped),
// or an error page to throw away. False aborts the transfer.
bool Transfer::begin_body() {
    if (body_started_) return true;
    body_started_ = true;
    long status = 0;
    if (curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) status = 0;
    if (is_file_url(download_.url)) status = requested_from_ > 0 ? 206 : 200;  // file:// honours ranges

    if (status == 206) {
        if (is_file_url(download_.url)) return true;
        auto start = range_start(content_range_);
        if (requested_from_ == 0 || !start || *start != requested_from_) {
            bad_range_ = true;
            return false;
        }
        return true;
    }
    if (status >= 200 && status < 300) {
        if (offset_ > 0) {
            if (Status s = truncate_part(); !s) {
                write_error_ = std::move(s).error();
                return false;
            }
            relied_on_old_bytes_ = false;
            if (options_.progress != nullptr)
                options_.progress->note(label_of(download_) + ": the server ignored the range; starting again from zero");
        }
        return true;
    }
    discard_body_ = true;
    return true;
}

std::size_t Transfer::write(const char* data, std::size_t bytes) {
    if (options_.cancel != nullptr && options_.cancel->load()) return 0;
    if (!begin_body()) return 0;
    if (discard_body_) {
        reported_ += bytes;
        return reported_ > max_error_body ? 0 : bytes;
    }
    if (offset_ + bytes > limit_) {
        exceeded_ = true;
        return 0;
    }
    if (Status s = pwrite_all(part_.get(), data, bytes, offset_, part_path_.string()); !s) {
        write_error_ = std::move(s).error();
        return 0;
    }
    if (Status s = hasher_.update(data, bytes); !s) {
        write_error_ = std::move(s).error();
        return 0;
    }
    offset_ += bytes;
    if (options_.progress != nullptr && offset_ - reported_ >= report_every) {
        options_.progress->advanced(label_of(download_), offset_);
        reported_ = offset_;
    }
    return bytes;
}

Transfer::Outcome Transfer::complete(CURLcode code) {
    if (code == CURLE_OK && !body_started_) static_cast<void>(begin_body());  // an empty body
    long status = 0;
    if (curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) status = 0;
    double retry_after_seconds = retry_after(easy_.get());
    std::string detail = error_buffer_;
    easy_.reset();
    headers_.reset();

    if (write_error_) return fail(*write_error_);
    if (exceeded_) {
        static_cast<void>(::unlink(part_path_.c_str()));
        part_.reset();
        return fail(Error{Code::size_exceeded, shown_url_,
                          "the server sent more than the expected " + std::to_string(limit_) + " bytes"});
    }
    const bool file = is_file_url(download_.url);
    if (bad_range_ || (file && code == CURLE_BAD_DOWNLOAD_RESUME) || (!file && status == 416)) {
        if (!file && status == 416 && offset_ > 0 && (!download_.size || offset_ == *download_.size))
            return finalize();  // the part was complete
        if (Status s = truncate_part(); !s) return fail(std::move(s).error());
        relied_on_old_bytes_ = false;
        if (++restarts_ > max_restarts)
            return fail(Error{Code::network, shown_url_, "the server keeps answering range requests wrongly"});
        return Outcome{Outcome::retry, {}, {}};
    }
    if (file && code == CURLE_FILE_COULDNT_READ_FILE)
        return fail(Error{Code::network, shown_url_, "cannot read the file (is the mirror complete?)"});
    if (code != CURLE_OK && !(discard_body_ && code == CURLE_WRITE_ERROR)) {
        Error final_error = transport_error(download_.url, code, detail.c_str(), failures_ + 1);
        if (!retryable(code)) return fail(std::move(final_error));
        return retry_later(std::move(final_error), curl_easy_strerror(code), -1);
    }
    if (!file && retryable_status(status)) {
        Error final_error{Code::network, shown_url_,
                          "HTTP " + std::to_string(status) + " after " + std::to_string(failures_ + 1) + " attempts"};
        return retry_later(std::move(final_error), "HTTP " + std::to_string(status), retry_after_seconds);
    }
    if (!file && (status < 200 || status >= 300))
        return fail(Error{Code::network, shown_url_, "HTTP " + std::to_string(status)});
    if (download_.size && offset_ < *download_.size) {
        std::string reason = "the body ended after " + std::to_string(offset_) + " of " +
                             std::to_string(*download_.size) + " bytes";
        Error final_error{Code::network, shown_url_, reason + ", " + std::to_string(failures_ + 1) + " times"};
        return retry_later(std::move(final_error), reason, -1);
    }
    return finalize();
}

void Transfer::abandon() {
    easy_.reset();
    headers_.reset();
}

Transfer::Outcome Transfer::retry_later(Error final_error, const std::string& reason, double retry_after_seconds) {
    ++failures_;
    const unsigned attempts = options_.http.max_attempts == 0 ? 1 : options_.http.max_attempts;
    if (failures_ >= attempts) return fail(std::move(final_error));
    auto delay = retry_delay(failures_, options_.http, retry_after_seconds);
    if (options_.progress != nullptr)
        options_.progress->retrying(label_of(download_), reason, static_cast<double>(delay.count()) / 1000.0);
    return Outcome{Outcome::retry, delay, {}};
}

Transfer::Outcome Transfer::fail(Error error) {
    if (options_.progress != nullptr) options_.progress->failed(label_of(download_), error.describe());
    return Outcome{Outcome::failed, {}, std::move(error)};
}

// All bytes are in: the digest decides. A resumed file that fails is given one fresh download
// (its old bytes may have been corrupted on disk); a fresh one that fails is an error.
Transfer::Outcome Transfer::finalize() {
    auto digest = hasher_.finish();
    if (!digest) return fail(std::move(digest).error());
    if (download_.sha256 && *digest != *download_.sha256) {
        if (relied_on_old_bytes_ && !redownloaded_) {
            redownloaded_ = true;
            if (Status s = truncate_part(); !s) return fail(std::move(s).error());
            relied_on_old_bytes_ = false;
            if (options_.progress != nullptr)
                options_.progress->retrying(label_of(download_), "digest mismatch after resuming; downloading again", 0);
            return Outcome{Outcome::retry, {}, {}};
        }
        static_cast<void>(::unlink(part_path_.c_str()));
        part_.reset();
        return fail(Error{Code::digest, shown_url_,
                          "SHA-256 of the download is " + hash::to_hex(*digest) + ", the pin is " +
                              hash::to_hex(*download_.sha256)});
    }
    return publish(*digest);
}

Transfer::Outcome Transfer::publish(const hash::Sha256Digest& digest) {
    // Renamed while we still hold the lock, so that a waiting run finds the entry next.
    if (Status s = cache_.insert(part_path_, digest); !s) return fail(std::move(s).error());
    part_.reset();
    result_ = Downloaded{digest, offset_, cache_.path_of(digest), false};
    if (options_.progress != nullptr) {
        options_.progress->advanced(label_of(download_), offset_);
        options_.progress->finished(label_of(download_), false);
    }
    return Outcome{Outcome::done, {}, {}};
}

Transfer::Outcome Transfer::done_from_cache(const std::filesystem::path& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    result_ = Downloaded{*download_.sha256, ec ? 0 : static_cast<std::uint64_t>(size), path, true};
    if (options_.progress != nullptr) options_.progress->finished(label_of(download_), true);
    return Outcome{Outcome::done, {}, {}};
}

}  // namespace bundle::fetch::detail
