// A small HTTP/1.1 server for the node agent: one request per connection, one thread per
// connection, a fixed cap on connections, and every wait bounded.
//
// Why our own: the agent serves three routes to two peers over a private mesh, and must stay a
// single static-ish binary that runs before anything is installed on the node. Debian's HTTP
// server libraries (libmicrohttpd, civetweb) would each be one more shared library on every node
// for what fits on a few screens here; the limits below are the part that matters and they are
// easier to see in code we own.
//
// Limits: the request line and headers at most `max_header_bytes`, a body (Content-Length only;
// chunked bodies are refused) at most `max_body_bytes`, the whole request read within
// `request_timeout` (a client that trickles bytes is cut, answered 408), each send may stall at
// most `send_stall_timeout`, at most `max_connections` served at once (one more is answered 503
// and closed). Every response carries Content-Length and Connection: close. Bodies and headers
// of requests are never logged: one line per request (method, path, peer, status, bytes).
//
// Sending a response has a deadline that grows with what is sent: the first k bytes (head and
// body) must be handed to the kernel within `response_base_deadline` + k / `response_min_rate`
// of the start, so the whole response within base + size / rate. A client that reads slower than
// the minimum rate falls behind that line and is cut, however steadily it reads a byte every
// few seconds: the stall timeout alone would let it keep its connection slot for ever, and 16
// such clients would shut every reinstalling peer out (issue 12, point 15).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/fd.h"

namespace bundle::peer {

struct HttpRequest {
    std::string method;
    std::string target;                          // as sent: "/bundle/x.bundle"
    std::map<std::string, std::string> headers;  // names lowercased; a repeated header is refused
    std::string body;
    std::string peer;  // the client's address
};

struct HttpResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;  // Content-Length is the server's
    std::string body;
    // A file's bytes instead of `body`: [file_offset, file_offset + file_length) of `file`.
    UniqueFd file;
    std::uint64_t file_offset = 0;
    std::uint64_t file_length = 0;
};

// A response of `status` whose body is `message` and a newline, as text.
HttpResponse plain_response(int status, const std::string& message);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
using LogSink = std::function<void(const std::string& line)>;

struct HttpServerOptions {
    std::string address;  // IPv4, e.g. "10.6.0.1"
    int port = 0;         // 0: any free port (tests)
    unsigned max_connections = 16;
    std::size_t max_header_bytes = 8192;
    std::size_t max_body_bytes = 4096;
    std::chrono::milliseconds request_timeout{10000};
    std::chrono::milliseconds send_stall_timeout{30000};
    // Defaults: 30 s of grace, then at least 256 KiB/s, a sixth of a 12.5 MB/s (100 Mbit/s)
    // link: a 1 GiB bundle may take up to 69 minutes, a byte every second is cut after about
    // 30 s plus the time to drain what the kernel buffered.
    std::chrono::milliseconds response_base_deadline{30000};
    std::uint64_t response_min_rate = 256 * 1024;  // bytes per second; 0 turns the pacing off
};

class HttpServer {
  public:
    // Binds and listens; an error names the address (in use, not on this host, ...).
    static Result<HttpServer> listen(const HttpServerOptions& options);

    int port() const { return port_; }

    // Serves until `stop` becomes true (checked at least every 200 ms, also between the chunks of
    // a file being sent), then waits for the connections under way and returns.
    void serve(const HttpHandler& handler, const std::atomic<bool>& stop, const LogSink& log);

  private:
    HttpServer(HttpServerOptions options, UniqueFd socket, int port);

    HttpServerOptions options_;
    UniqueFd socket_;
    int port_;
};

// "206 Partial Content" and the like.
const char* reason_phrase(int status);

}  // namespace bundle::peer
