#include "fetch/downloader.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "fetch/curl_setup.h"
#include "fetch/transfer.h"

namespace bundle::fetch {
namespace {

using Clock = std::chrono::steady_clock;
using detail::Transfer;

// How often the loop wakes without network news: to see the cancel flag, a lock another run
// released, or a backoff that ran out.
constexpr std::chrono::milliseconds tick{100};

// The multi handle with the transfers in it. Its destructor detaches every handle before the
// multi handle is cleaned up, whatever path leaves download_all.
class Session {
public:
    Session() : multi_(curl_multi_init()) {}
    ~Session() { stop_all(); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Status configure(unsigned jobs) {
        if (!multi_) return Error{Code::internal, "libcurl", "curl_multi_init failed"};
        BUNDLE_TRY(detail::set_multi_option(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX));
        BUNDLE_TRY(detail::set_multi_option(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(jobs)));
        return {};
    }

    Status add(CURL* easy, Transfer* transfer) {
        CURLMcode rc = curl_multi_add_handle(multi_.get(), easy);
        if (rc != CURLM_OK) return Error{Code::internal, "libcurl", std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc)};
        active_.emplace(easy, transfer);
        return {};
    }

    // Detaches a finished handle and says whose it was.
    Transfer* remove(CURL* easy) {
        auto it = active_.find(easy);
        if (it == active_.end()) return nullptr;
        Transfer* transfer = it->second;
        static_cast<void>(curl_multi_remove_handle(multi_.get(), easy));  // cannot fail for a handle we added
        active_.erase(it);
        return transfer;
    }

    void stop_all() {
        for (auto& [easy, transfer] : active_) {
            static_cast<void>(curl_multi_remove_handle(multi_.get(), easy));
            transfer->abandon();
        }
        active_.clear();
    }

    std::size_t active() const { return active_.size(); }

    Status perform() {
        int running = 0;
        CURLMcode rc = curl_multi_perform(multi_.get(), &running);
        if (rc != CURLM_OK) return Error{Code::internal, "libcurl", std::string("curl_multi_perform: ") + curl_multi_strerror(rc)};
        return {};
    }

    // The next finished transfer and its result, or nullptr.
    CURL* next_done(CURLcode& result) {
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
            if (message->msg == CURLMSG_DONE) {
                result = message->data.result;
                return message->easy_handle;
            }
        }
        return nullptr;
    }

    Status wait(std::chrono::milliseconds timeout) {
        CURLMcode rc = curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(timeout.count()), nullptr);
        if (rc != CURLM_OK) return Error{Code::internal, "libcurl", std::string("curl_multi_poll: ") + curl_multi_strerror(rc)};
        return {};
    }

private:
    detail::Multi multi_;
    std::unordered_map<CURL*, Transfer*> active_;
};

bool cancelled(const DownloadOptions& options) { return options.cancel != nullptr && options.cancel->load(); }

Error interrupted() { return Error{Code::io, "", "interrupted; partial downloads are kept and resumed next time"}; }

}  // namespace

Result<std::vector<Downloaded>> download_all(const std::vector<Download>& downloads, const Cache& cache,
                                             const DownloadOptions& options) {
    BUNDLE_TRY(detail::global_init());
    const unsigned jobs = std::max(1u, options.jobs);

    std::vector<std::unique_ptr<Transfer>> transfers;
    transfers.reserve(downloads.size());
    for (const Download& download : downloads) transfers.push_back(std::make_unique<Transfer>(download, cache, options));
    enum class State { pending, running, done };
    std::vector<State> state(downloads.size(), State::pending);
    std::size_t remaining = downloads.size();

    Session session;  // declared after the transfers: destroyed first, detaching their handles
    BUNDLE_TRY(session.configure(jobs));
    std::unordered_map<Transfer*, std::size_t> index_of;
    for (std::size_t i = 0; i < transfers.size(); ++i) index_of.emplace(transfers[i].get(), i);

    while (remaining > 0) {
        if (cancelled(options)) return interrupted();
        const auto now = Clock::now();
        auto next_wake = now + tick;

        for (std::size_t i = 0; i < transfers.size() && session.active() < jobs; ++i) {
            Transfer& transfer = *transfers[i];
            if (state[i] != State::pending) continue;
            if (transfer.not_before > now) {
                next_wake = std::min(next_wake, transfer.not_before);
                continue;
            }
            auto ready = transfer.prepare();
            if (!ready) return std::move(ready).error();
            if (*ready == Transfer::Ready::done) {
                state[i] = State::done;
                --remaining;
            } else if (*ready == Transfer::Ready::waiting) {
                transfer.not_before = now + tick;
            } else {
                auto easy = transfer.start();
                if (!easy) return std::move(easy).error();
                BUNDLE_TRY(session.add(*easy, &transfer));
                state[i] = State::running;
            }
        }
        if (remaining == 0) break;

        BUNDLE_TRY(session.perform());
        CURLcode result = CURLE_OK;
        while (CURL* easy = session.next_done(result)) {
            Transfer* transfer = session.remove(easy);
            if (transfer == nullptr) continue;
            if (cancelled(options)) {
                transfer->abandon();
                return interrupted();
            }
            std::size_t i = index_of.at(transfer);
            Transfer::Outcome outcome = transfer->complete(result);
            if (outcome.kind == Transfer::Outcome::failed) return std::move(*outcome.error);
            if (outcome.kind == Transfer::Outcome::done) {
                state[i] = State::done;
                --remaining;
            } else {
                state[i] = State::pending;
                transfer->not_before = Clock::now() + outcome.delay;
                next_wake = std::min(next_wake, transfer->not_before);
            }
        }
        if (remaining == 0) break;
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next_wake - Clock::now());
        BUNDLE_TRY(session.wait(std::clamp(timeout, std::chrono::milliseconds(0), tick)));
    }

    std::vector<Downloaded> results;
    results.reserve(transfers.size());
    for (const auto& transfer : transfers) results.push_back(transfer->result());
    return results;
}

}  // namespace bundle::fetch
