#include "fetch/curl_setup.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <mutex>
#include <random>
#include <string_view>

namespace bundle::fetch::detail {

Status global_init() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK)
        return Error{Code::internal, "libcurl", std::string("curl_global_init failed: ") + curl_easy_strerror(result)};
    return {};
}

Result<Easy> make_easy(const std::string& url, const std::vector<std::string>& headers,
                       const HttpOptions& options, HeaderList& list, char* error_buffer) {
    BUNDLE_TRY(global_init());
    Easy easy(curl_easy_init());
    if (!easy) return Error{Code::internal, redact_url(url), "curl_easy_init failed"};
    CURL* e = easy.get();
    error_buffer[0] = '\0';

    list.reset();
    for (const std::string& header : headers) {
        curl_slist* grown = curl_slist_append(list.get(), header.c_str());
        if (grown == nullptr) return Error{Code::internal, redact_url(url), "out of memory for headers"};
        static_cast<void>(list.release());  // now owned through `grown`
        list.reset(grown);
    }

    BUNDLE_TRY(set_option(e, CURLOPT_URL, url.c_str()));
    BUNDLE_TRY(set_option(e, CURLOPT_ERRORBUFFER, error_buffer));
    BUNDLE_TRY(set_option(e, CURLOPT_PROTOCOLS_STR, "http,https,file"));
    BUNDLE_TRY(set_option(e, CURLOPT_REDIR_PROTOCOLS_STR, redirect_protocols(url)));
    BUNDLE_TRY(set_option(e, CURLOPT_FOLLOWLOCATION, 1L));
    BUNDLE_TRY(set_option(e, CURLOPT_MAXREDIRS, 10L));
    BUNDLE_TRY(set_option(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS)));
    BUNDLE_TRY(set_option(e, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds));
    BUNDLE_TRY(set_option(e, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes));
    BUNDLE_TRY(set_option(e, CURLOPT_LOW_SPEED_TIME, options.low_speed_seconds));
    BUNDLE_TRY(set_option(e, CURLOPT_NOSIGNAL, 1L));  // no SIGALRM in a threaded program
    BUNDLE_TRY(set_option(e, CURLOPT_TCP_KEEPALIVE, 1L));
    BUNDLE_TRY(set_option(e, CURLOPT_USERAGENT, "bundle/" BUNDLE_VERSION));
    // The bytes as stored: no Accept-Encoding, so that digests are over what was published.
    if (list) BUNDLE_TRY(set_option(e, CURLOPT_HTTPHEADER, list.get()));
    // Explicitly the secure defaults, so that no later change can loosen them by accident.
    BUNDLE_TRY(set_option(e, CURLOPT_SSL_VERIFYPEER, 1L));
    BUNDLE_TRY(set_option(e, CURLOPT_SSL_VERIFYHOST, 2L));
    BUNDLE_TRY(set_option(e, CURLOPT_UNRESTRICTED_AUTH, 0L));
    return easy;
}

bool is_file_url(const std::string& url) {
    return url.size() >= 7 && std::equal(url.begin(), url.begin() + 7, "file://", [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

const char* redirect_protocols(const std::string& url) {
    constexpr std::string_view https = "https://";
    bool secure = url.size() >= https.size() &&
                  std::equal(https.begin(), https.end(), url.begin(), [](char a, char b) {
                      return a == std::tolower(static_cast<unsigned char>(b));
                  });
    return secure ? "https" : "http,https";
}

bool retryable(CURLcode code) {
    switch (code) {
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_PARTIAL_FILE:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_HTTP3:
        case CURLE_QUIC_CONNECT_ERROR:
            return true;
        default:
            return false;
    }
}

bool retryable_status(long status) {
    if (status == 408 || status == 429) return true;
    return status >= 500 && status <= 599 && status != 501 && status != 505;
}

Error transport_error(const std::string& url, CURLcode code, const char* detail, unsigned attempts) {
    std::string message = curl_easy_strerror(code);
    if (detail != nullptr && detail[0] != '\0') {
        // libcurl's detail can quote the URL it was given; never let credentials through.
        message += " (" + redact_url(detail) + ")";
    }
    if (attempts > 1) message += " after " + std::to_string(attempts) + " attempts";
    if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT ||
        code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_OPERATION_TIMEDOUT) {
        message += "; if this machine has no internet access, point --mirror at an internal mirror";
    }
    return Error{Code::network, redact_url(url), message};
}

std::chrono::milliseconds retry_delay(unsigned attempt, const HttpOptions& options, double retry_after_seconds) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    double base = options.backoff_initial_seconds * std::pow(2.0, static_cast<double>(attempt > 0 ? attempt - 1 : 0));
    base = std::min(base, 30.0);
    double jitter = std::uniform_real_distribution<double>(0.5, 1.0)(random);
    double seconds = base * jitter;
    if (retry_after_seconds >= 0) seconds = std::max(seconds, std::min(retry_after_seconds, 60.0));
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

double retry_after(CURL* easy) {
    curl_off_t seconds = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK || seconds <= 0) return -1;
    return static_cast<double>(seconds);
}

}  // namespace bundle::fetch::detail

namespace bundle::fetch {

std::string redact_url(const std::string& url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    std::size_t start = scheme + 3;
    std::size_t end = url.find_first_of("/?#", start);
    if (end == std::string::npos) end = url.size();
    std::size_t at = url.rfind('@', end - 1);
    if (at == std::string::npos || at < start) return url;
    return url.substr(0, start) + url.substr(at + 1);
}

}  // namespace bundle::fetch
