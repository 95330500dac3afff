#include "fetch/http.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "fetch/curl_setup.h"

namespace bundle::fetch {
namespace {

// What one attempt collects; libcurl's callbacks write into it.
struct Exchange {
    Response response;
    std::uint64_t max_body = 0;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* exchange = static_cast<Exchange*>(user);
    std::size_t bytes = size * count;
    if (exchange->response.body.size() + bytes > exchange->max_body) {
        exchange->too_large = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    exchange->response.body.append(data, bytes);
    return bytes;
}

std::string trim(std::string text) {
    auto space = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!text.empty() && space(static_cast<unsigned char>(text.back()))) text.pop_back();
    std::size_t start = 0;
    while (start < text.size() && space(static_cast<unsigned char>(text[start]))) ++start;
    return text.substr(start);
}

// Keeps the headers of the last response only: a redirect or a 100 Continue starts over.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* exchange = static_cast<Exchange*>(user);
    std::size_t bytes = size * count;
    std::string line(data, bytes);
    if (line.rfind("HTTP/", 0) == 0) {
        exchange->response.headers.clear();
        return bytes;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) return bytes;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    exchange->response.headers.emplace(trim(name), trim(line.substr(colon + 1)));
    return bytes;
}

struct Attempt {
    CURLcode code = CURLE_OK;
    std::string detail;
    double retry_after = -1;
};

Result<Attempt> perform_once(const Request& request, const HttpOptions& options, Exchange& exchange) {
    detail::HeaderList list;
    char error_buffer[CURL_ERROR_SIZE];
    auto easy = detail::make_easy(request.url, request.headers, options, list, error_buffer);
    if (!easy) return std::move(easy).error();
    CURL* e = easy->get();
    BUNDLE_TRY(detail::set_option(e, CURLOPT_WRITEFUNCTION, &on_body));
    BUNDLE_TRY(detail::set_option(e, CURLOPT_WRITEDATA, static_cast<void*>(&exchange)));
    BUNDLE_TRY(detail::set_option(e, CURLOPT_HEADERFUNCTION, &on_header));
    BUNDLE_TRY(detail::set_option(e, CURLOPT_HEADERDATA, static_cast<void*>(&exchange)));
    if (request.head) BUNDLE_TRY(detail::set_option(e, CURLOPT_NOBODY, 1L));

    Attempt attempt;
    attempt.code = curl_easy_perform(e);
    attempt.detail = error_buffer;
    if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &exchange.response.status) != CURLE_OK)
        exchange.response.status = 0;
    char* effective = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective != nullptr)
        exchange.response.effective_url = effective;
    attempt.retry_after = detail::retry_after(e);
    return attempt;
}

}  // namespace

Result<Response> get(const Request& request, const HttpOptions& options) {
    const std::string shown = detail::redact_url(request.url);
    const unsigned attempts = std::max(1u, options.max_attempts);
    for (unsigned number = 1;; ++number) {
        Exchange exchange;
        exchange.max_body = request.max_body;
        auto attempt = perform_once(request, options, exchange);
        if (!attempt) return std::move(attempt).error();

        if (exchange.too_large)
            return Error{Code::size_exceeded, shown,
                         "answer larger than " + std::to_string(request.max_body) + " bytes"};
        Response& response = exchange.response;
        if (detail::is_file_url(request.url)) {
            // file:// has no status: a file that could be read is a 200, a missing one a 404,
            // so that a mirror folder answers like a static web server.
            if (attempt->code == CURLE_FILE_COULDNT_READ_FILE) {
                response.status = 404;
                response.body.clear();
                return response;
            }
            if (attempt->code == CURLE_OK) response.status = 200;
        }

        bool retry = false;
        std::string reason;
        if (attempt->code != CURLE_OK) {
            if (!detail::retryable(attempt->code) || number >= attempts)
                return detail::transport_error(request.url, attempt->code, attempt->detail.c_str(), number);
            retry = true;
        } else if (detail::retryable_status(response.status)) {
            if (number >= attempts)
                return Error{Code::network, shown,
                             "HTTP " + std::to_string(response.status) + " after " + std::to_string(number) +
                                 " attempts"};
            retry = true;
        }
        if (!retry) return std::move(response);
        std::this_thread::sleep_for(detail::retry_delay(number, options, attempt->retry_after));
    }
}

}  // namespace bundle::fetch
