#include "peer/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "peer/http_parse.h"

namespace bundle::peer {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kStopCheckMs = 200;

// What the connection threads share with serve(): how many are running, so that a new one can
// be refused at the cap and serve() can wait for the last one.
struct Connections {
    std::mutex mutex;
    std::condition_variable idle;
    unsigned active = 0;
};

int remaining_ms(Clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, kStopCheckMs));
}

enum class Wait { ready, timeout, stopped, failed };

// Waits for `events` on `fd` until `deadline`, looking at `stop` every 200 ms.
Wait wait_for(int fd, short events, Clock::time_point deadline, const std::atomic<bool>& stop) {
    for (;;) {
        if (stop.load())
            return Wait::stopped;
        if (Clock::now() >= deadline)
            return Wait::timeout;
        pollfd p{fd, events, 0};
        int rc = ::poll(&p, 1, remaining_ms(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return Wait::failed;
        if (rc > 0)
            return Wait::ready;
    }
}

// The deadline of a response being sent (http_server.h): the first k bytes by start + base +
// k / rate.
class Pace {
  public:
    explicit Pace(const HttpServerOptions& options)
        : start_(Clock::now()),
          base_(options.response_base_deadline),
          rate_(options.response_min_rate) {}

    // When the first `bytes` bytes must have been sent; far in the future when pacing is off.
    Clock::time_point deadline_for(std::uint64_t bytes) const {
        if (rate_ == 0)
            return Clock::time_point::max();
        // In milliseconds, at most a year: a size near 2^64 never overflows into the past.
        constexpr std::uint64_t kYearSeconds = 365ULL * 24 * 3600;
        std::uint64_t ms = bytes / rate_ > kYearSeconds
                               ? kYearSeconds * 1000
                               : bytes / rate_ * 1000 + bytes % rate_ * 1000 / rate_;
        return start_ + base_ + std::chrono::milliseconds(static_cast<std::int64_t>(ms));
    }

  private:
    Clock::time_point start_;
    std::chrono::milliseconds base_;
    std::uint64_t rate_;
};

enum class Sent { all, gone, stalled, too_slow, stopped };

// Sends all of `data`, whose last byte is byte `end` of the response: at most `stall` without
// progress, and all of it by `pace`'s deadline for `end` bytes.
Sent send_all(int fd, const char* data, std::size_t size, std::uint64_t end, const Pace& pace,
              std::chrono::milliseconds stall, const std::atomic<bool>& stop) {
    Clock::time_point paced = pace.deadline_for(end);
    std::size_t done = 0;
    while (done < size) {
        Clock::time_point stalled = Clock::now() + stall;
        Wait w = wait_for(fd, POLLOUT, std::min(stalled, paced), stop);
        if (w == Wait::stopped)
            return Sent::stopped;
        if (w == Wait::timeout)
            return Clock::now() >= paced ? Sent::too_slow : Sent::stalled;
        if (w != Wait::ready)
            return Sent::gone;
        ssize_t sent = ::send(fd, data + done, size - done, MSG_NOSIGNAL);
        if (sent < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (sent <= 0)
            return Sent::gone;
        done += static_cast<std::size_t>(sent);
    }
    return Sent::all;
}

struct ReadOutcome {
    std::optional<HttpRequest> request;
    int error_status = 0;  // when there is no request: the status to answer (0: just close)
    std::string error_message;
};

ReadOutcome fail(int status, std::string message) {
    return ReadOutcome{std::nullopt, status, std::move(message)};
}

ReadOutcome read_request(int fd, const HttpServerOptions& options, const std::atomic<bool>& stop) {
    Clock::time_point deadline = Clock::now() + options.request_timeout;
    std::string data;
    std::size_t head_end = std::string::npos;
    char buffer[4096];
    while (head_end == std::string::npos) {
        Wait w = wait_for(fd, POLLIN, deadline, stop);
        if (w == Wait::timeout)
            return fail(408, "the request did not arrive in time");
        if (w != Wait::ready)
            return fail(0, "");
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return fail(0, "");
        data.append(buffer, static_cast<std::size_t>(got));
        head_end = data.find("\r\n\r\n");
        std::size_t head_size = head_end == std::string::npos ? data.size() : head_end;
        if (head_size > options.max_header_bytes)
            return fail(431, "the request head is too large");
    }
    auto request = parse_request_head(data.substr(0, head_end));
    if (!request)
        return fail(400, request.error().message);
    auto length = content_length(*request);
    if (!length)
        return fail(request->headers.count("transfer-encoding") ? 501 : 400,
                    length.error().message);
    if (*length > options.max_body_bytes)
        return fail(413, "the request body is too large");
    std::string body = data.substr(head_end + 4);
    while (body.size() < *length) {
        Wait w = wait_for(fd, POLLIN, deadline, stop);
        if (w == Wait::timeout)
            return fail(408, "the request body did not arrive in time");
        if (w != Wait::ready)
            return fail(0, "");
        ssize_t got = ::recv(fd, buffer, std::min(sizeof buffer, *length - body.size()), 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return fail(0, "");
        body.append(buffer, static_cast<std::size_t>(got));
    }
    if (body.size() > *length)
        return fail(400, "more data than Content-Length after the request");
    request->body = std::move(body);
    return ReadOutcome{std::move(*request), 0, ""};
}

std::string response_head(const HttpResponse& response, std::uint64_t length) {
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                       reason_phrase(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    head += "Content-Length: " + std::to_string(length) + "\r\nConnection: close\r\n\r\n";
    return head;
}

struct SendOutcome {
    std::uint64_t body_bytes = 0;  // of the body, sent
    Sent how = Sent::all;
};

// Sends the response within the stall timeout and the pace of http_server.h.
SendOutcome send_response(int fd, const HttpResponse& response, bool head_only,
                          const HttpServerOptions& options, const std::atomic<bool>& stop) {
    Pace pace(options);
    std::uint64_t length = response.file.valid() ? response.file_length : response.body.size();
    std::string head = response_head(response, length);
    SendOutcome outcome;
    outcome.how = send_all(fd, head.data(), head.size(), head.size(), pace,
                           options.send_stall_timeout, stop);
    if (outcome.how != Sent::all || head_only)
        return outcome;
    if (!response.file.valid()) {
        outcome.how = send_all(fd, response.body.data(), response.body.size(),
                               head.size() + response.body.size(), pace,
                               options.send_stall_timeout, stop);
        outcome.body_bytes = outcome.how == Sent::all ? response.body.size() : 0;
        return outcome;
    }
    std::vector<char> chunk(256 * 1024);
    while (outcome.body_bytes < length) {
        std::size_t want = static_cast<std::size_t>(
            std::min<std::uint64_t>(chunk.size(), length - outcome.body_bytes));
        ssize_t got = ::pread(response.file.get(), chunk.data(), want,
                              static_cast<off_t>(response.file_offset + outcome.body_bytes));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;  // the file shrank or failed: the short body tells the client
        std::uint64_t end = head.size() + outcome.body_bytes + static_cast<std::uint64_t>(got);
        outcome.how = send_all(fd, chunk.data(), static_cast<std::size_t>(got), end, pace,
                               options.send_stall_timeout, stop);
        if (outcome.how != Sent::all)
            break;
        outcome.body_bytes += static_cast<std::uint64_t>(got);
    }
    return outcome;
}

// What the log line adds when a response was not sent whole.
std::string cut_short(Sent how, const HttpServerOptions& options) {
    switch (how) {
        case Sent::all:
        case Sent::gone:
            return "";
        case Sent::stalled:
            return "; cut off: the client read nothing for " +
                   std::to_string(options.send_stall_timeout.count()) + " ms";
        case Sent::too_slow:
            return "; cut off: the client read slower than the minimum rate of " +
                   std::to_string(options.response_min_rate) + " bytes/s (after " +
                   std::to_string(options.response_base_deadline.count()) + " ms of grace)";
        case Sent::stopped:
            return "; cut off: the server stops";
    }
    return "";
}

std::string peer_address(const sockaddr_in& address) {
    char text[INET_ADDRSTRLEN] = {};
    if (::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text) == nullptr)
        return "?";
    return text;
}

void serve_connection(UniqueFd fd, const std::string& peer, const HttpServerOptions& options,
                      const HttpHandler& handler, const std::atomic<bool>& stop,
                      const LogSink& log) {
    ReadOutcome outcome = read_request(fd.get(), options, stop);
    if (!outcome.request) {
        if (outcome.error_status != 0) {
            (void)send_response(fd.get(),
                                plain_response(outcome.error_status, outcome.error_message), false,
                                options, stop);
            log("request from " + peer + " refused: " + std::to_string(outcome.error_status) + " " +
                outcome.error_message);
        }
        return;
    }
    HttpRequest& request = *outcome.request;
    request.peer = peer;
    HttpResponse response;
    try {
        response = handler(request);
    } catch (const std::exception& e) {
        // A bug in a handler: answer it and keep serving the other peers, but say so.
        log("internal error while answering " + request.method + " from " + peer + ": " + e.what());
        response = plain_response(500, "internal error");
    }
    SendOutcome sent = send_response(fd.get(), response, request.method == "HEAD", options, stop);
    // Only the path: a query string could carry anything, and nothing of the body is logged.
    std::string path = request.target.substr(0, request.target.find('?'));
    log(request.method + " " + path + " from " + peer + ": " + std::to_string(response.status) +
        ", " + std::to_string(sent.body_bytes) + " bytes" + cut_short(sent.how, options));
    if (sent.how == Sent::too_slow || sent.how == Sent::stalled) {
        // An abortive close (RST): what the kernel still buffers for this client is dropped
        // instead of trickling out to it after the slot is free, and the client learns that
        // its response is incomplete.
        linger abort{1, 0};
        if (::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort) != 0)
            log("connection from " + peer + ": setsockopt(SO_LINGER) failed");
        return;
    }
    ::shutdown(fd.get(), SHUT_WR);
}

}  // namespace

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 206:
            return "Partial Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 413:
            return "Content Too Large";
        case 416:
            return "Range Not Satisfiable";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

HttpServer::HttpServer(HttpServerOptions options, UniqueFd socket, int port)
    : options_(std::move(options)), socket_(std::move(socket)), port_(port) {}

Result<HttpServer> HttpServer::listen(const HttpServerOptions& options) {
    std::string where = options.address + ":" + std::to_string(options.port);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(options.port));
    if (options.port < 0 || options.port > 65535 ||
        ::inet_pton(AF_INET, options.address.c_str(), &address.sin_addr) != 1)
        return Error{Code::usage, where, "not an IPv4 address and port"};
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid())
        return system_error(Code::io, where, "cannot create a socket", errno);
    int on = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
        return system_error(Code::io, where, "setsockopt(SO_REUSEADDR) failed", errno);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        return system_error(Code::io, where, "cannot listen here", errno);
    if (::listen(fd.get(), 64) != 0)
        return system_error(Code::io, where, "listen failed", errno);
    sockaddr_in bound{};
    socklen_t size = sizeof bound;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &size) != 0)
        return system_error(Code::io, where, "getsockname failed", errno);
    return HttpServer(options, std::move(fd), ntohs(bound.sin_port));
}

void HttpServer::serve(const HttpHandler& handler, const std::atomic<bool>& stop,
                       const LogSink& log) {
    // Shared with the threads, so that the last one's unlock never touches freed memory.
    auto connections = std::make_shared<Connections>();
    while (!stop.load()) {
        pollfd p{socket_.get(), POLLIN, 0};
        int rc = ::poll(&p, 1, kStopCheckMs);
        if (rc <= 0)
            continue;  // timeout or EINTR: look at `stop` again
        sockaddr_in from{};
        socklen_t size = sizeof from;
        UniqueFd client(::accept4(socket_.get(), reinterpret_cast<sockaddr*>(&from), &size,
                                  SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!client.valid()) {
            // Out of descriptors: give the connections under way time to finish rather than
            // spinning on a listening socket that stays readable. Anything else (the client gave
            // up already) needs no pause.
            if (errno == EMFILE || errno == ENFILE)
                std::this_thread::sleep_for(std::chrono::milliseconds(kStopCheckMs));
            continue;
        }
        std::string peer = peer_address(from);
        {
            std::lock_guard lock(connections->mutex);
            if (connections->active >= options_.max_connections) {
                HttpResponse busy = plain_response(503, "too many connections");
                busy.headers.emplace_back("Retry-After", "1");
                HttpServerOptions hurried = options_;
                hurried.send_stall_timeout = std::chrono::milliseconds(100);
                hurried.response_base_deadline = std::chrono::milliseconds(100);
                (void)send_response(client.get(), busy, false, hurried, stop);
                log("connection from " + peer + " refused: " +
                    std::to_string(options_.max_connections) + " connections already");
                continue;
            }
            ++connections->active;
        }
        std::thread([this, connections, &handler, &stop, &log, fd = std::move(client),
                     peer]() mutable {
            serve_connection(std::move(fd), peer, options_, handler, stop, log);
            std::lock_guard lock(connections->mutex);
            --connections->active;
            connections->idle.notify_all();
        }).detach();
    }
    std::unique_lock lock(connections->mutex);
    connections->idle.wait(lock, [&] { return connections->active == 0; });
}

HttpResponse plain_response(int status, const std::string& message) {
    HttpResponse response;
    response.status = status;
    response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    response.body = message + "\n";
    return response;
}

}  // namespace bundle::peer
