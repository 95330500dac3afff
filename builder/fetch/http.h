// One HTTP(S) or file:// request whose answer is small enough to hold in memory: a registry
// manifest or token, a sha256sum-style checksum file, a Helm repository index. Large bodies go
// through the Downloader (downloader.h), which streams them into the cache.
//
// Every transfer, here and in the Downloader, is set up by one function (curl_setup.h) so that
// all of them honour the same rules: the system CA store, the proxy variables (http_proxy,
// https_proxy, no_proxy, as libcurl reads them), HTTP/2 where the server offers it, a connect
// timeout and a low-speed timeout, redirects followed (at most 10; an Authorization header is
// never sent to another host), and only the protocols http, https and file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace bundle::fetch {

struct HttpOptions {
    long connect_timeout_seconds = 15;
    // A transfer slower than low_speed_bytes per second for low_speed_seconds is cut and retried.
    long low_speed_bytes = 1024;
    long low_speed_seconds = 30;
    unsigned max_attempts = 5;             // first try included
    double backoff_initial_seconds = 0.5;  // doubled per attempt, with jitter, capped at 30 s
    std::vector<std::string> insecure_hosts;  // --insecure-registry HOST: plain HTTP allowed
};

struct Request {
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::uint64_t max_body = 4u << 20;   // a longer body fails with Code::size_exceeded
    bool head = false;                   // HEAD instead of GET
};

struct Response {
    long status = 0;  // HTTP status; 200 for a file:// URL that could be read
    std::multimap<std::string, std::string> headers;  // names lowercased, of the final response
    std::string body;
    std::string effective_url;  // after redirects
};

// Performs the request, retrying connection failures, 429 and 5xx with exponential backoff and
// jitter (Retry-After honoured, capped at 60 s) up to options.max_attempts. Any HTTP status
// that is not retried is returned as a Response, not as an Error: 401 and 404 mean something to
// the registry client. Transport failures after the last attempt are Code::network, naming the
// URL (without credentials) and, when the host could not be reached, suggesting --mirror.
Result<Response> get(const Request& request, const HttpOptions& options = {});

// `url` without user:password@, for messages and logs: a mirror or registry URL may carry
// credentials, and an Error or a progress line must never show them.
std::string redact_url(const std::string& url);

}  // namespace bundle::fetch
