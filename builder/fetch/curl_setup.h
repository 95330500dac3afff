// The one place where a libcurl transfer is configured, shared by get() (http.h) and the
// downloader, so that every request follows the same rules: the system CA store and proxy
// variables (libcurl's defaults, never overridden), verification on, HTTP/2 over TLS where
// offered, a connect timeout and a low-speed cut, at most 10 redirects that never carry an
// Authorization header to another host (libcurl's default), and only http, https and file
// (redirects never to a local file, and from https never down to http).
//
// Also here: RAII owners for libcurl's handles, the retry policy both callers share, and the
// error that names a URL without its credentials.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "fetch/http.h"

namespace bundle::fetch::detail {

struct EasyFree {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct MultiFree {
    void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct ListFree {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Easy = std::unique_ptr<CURL, EasyFree>;
using Multi = std::unique_ptr<CURLM, MultiFree>;
using HeaderList = std::unique_ptr<curl_slist, ListFree>;

// Initialises libcurl once per process (thread-safe); an error if it cannot.
Status global_init();

// Sets an option; a failure (an option this libcurl lacks, out of memory) is Code::internal.
template <class T>
Status set_option(CURL* easy, CURLoption option, T value) {
    CURLcode rc = curl_easy_setopt(easy, option, value);
    if (rc != CURLE_OK)
        return Error{Code::internal, "libcurl", std::string("curl_easy_setopt failed: ") + curl_easy_strerror(rc)};
    return {};
}

template <class T>
Status set_multi_option(CURLM* multi, CURLMoption option, T value) {
    CURLMcode rc = curl_multi_setopt(multi, option, value);
    if (rc != CURLM_OK)
        return Error{Code::internal, "libcurl", std::string("curl_multi_setopt failed: ") + curl_multi_strerror(rc)};
    return {};
}

// A new easy handle for `url` with the shared rules above and `headers` ("Name: value"), whose
// list is returned through `list` (it must outlive the transfer). `error_buffer` (at least
// CURL_ERROR_SIZE bytes) receives libcurl's detailed message.
Result<Easy> make_easy(const std::string& url, const std::vector<std::string>& headers,
                       const HttpOptions& options, HeaderList& list, char* error_buffer);

using fetch::redact_url;  // http.h

bool is_file_url(const std::string& url);

// What a redirect from `url` may lead to. From https only https: otherwise the server, or
// anyone it points at, could move a checksum file, a manifest by tag or a trust-on-first-use
// download to plain HTTP, where whoever sits on the path can change it. From http (loopback,
// an insecure registry, a mirror the user named) http or https.
const char* redirect_protocols(const std::string& url);

// True for transport failures worth another attempt (connection refused or reset, timeouts,
// DNS failures, a body cut short) and false for those that will fail the same way again
// (a bad URL, an untrusted certificate, a protocol we refuse).
bool retryable(CURLcode code);
// True for HTTP statuses worth another attempt: 408, 429 and 5xx except 501 and 505.
bool retryable_status(long status);

// The Code::network error for a transport failure; names the URL without credentials and,
// when the host could not be resolved or reached, suggests --mirror.
Error transport_error(const std::string& url, CURLcode code, const char* detail, unsigned attempts);

// The wait before attempt number `attempt + 1` (attempt counts from 1): the initial backoff
// doubled per attempt, capped at 30 s, scaled by a random factor in [0.5, 1] (jitter), and never
// less than the server's Retry-After (capped at 60 s; negative when absent).
std::chrono::milliseconds retry_delay(unsigned attempt, const HttpOptions& options, double retry_after_seconds);

// The Retry-After of the finished transfer in seconds (libcurl parses both forms), or -1.
double retry_after(CURL* easy);

}  // namespace bundle::fetch::detail
