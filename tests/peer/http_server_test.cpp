#include "peer/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "peer/bundle_files.h"
#include "support/temp_dir.h"

using namespace bundle;
using namespace std::chrono_literals;

namespace {

// A server on 127.0.0.1 answering "hello" (or echoing the body) in a thread of its own, stopped at
// the end of the test.
struct Running {
    std::atomic<bool> stop{false};
    std::optional<peer::HttpServer> server;
    std::thread thread;
    std::vector<std::string> log;
    std::mutex log_mutex;

    explicit Running(peer::HttpServerOptions options = {}, peer::HttpHandler handler = {}) {
        options.address = "127.0.0.1";
        auto listening = peer::HttpServer::listen(options);
        REQUIRE(listening);
        server.emplace(std::move(*listening));
        if (!handler)
            handler = [](const peer::HttpRequest& request) {
                peer::HttpResponse response;
                response.body = request.body.empty() ? "hello" : request.body;
                return response;
            };
        thread = std::thread([this, handler = std::move(handler)] {
            server->serve(
                handler,
                stop,
                [this](const std::string& line) {
                    std::lock_guard lock(log_mutex);
                    log.push_back(line);
                });
        });
    }
    ~Running() {
        stop = true;
        thread.join();
    }
    int port() const { return server->port(); }
};

int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    return fd;
}

std::string read_all(int fd) {
    std::string data;
    char buffer[4096];
    for (;;) {
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0)
            break;
        data.append(buffer, static_cast<std::size_t>(got));
    }
    return data;
}

std::string exchange(int port, const std::string& bytes) {
    int fd = connect_to(port);
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
    std::string reply = read_all(fd);
    ::close(fd);
    return reply;
}

}  // namespace

TEST_CASE("a request gets its answer with Content-Length and Connection: close", "[peer][http]") {
    Running running;
    std::string reply = exchange(running.port(), "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 200 OK\r\n"));
    CHECK_THAT(reply, Catch::Contains("Content-Length: 5\r\n") &&
                          Catch::Contains("Connection: close\r\n"));
    CHECK_THAT(reply, Catch::EndsWith("\r\n\r\nhello"));
    reply = exchange(running.port(), "POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody");
    CHECK_THAT(reply, Catch::EndsWith("\r\n\r\nbody"));
    reply = exchange(running.port(), "HEAD /x HTTP/1.1\r\n\r\n");
    CHECK_THAT(reply, Catch::Contains("Content-Length: 5\r\n") && Catch::EndsWith("\r\n\r\n"));
}

TEST_CASE("malformed requests are answered 400 and close", "[peer][http][security]") {
    Running running;
    for (const char* bytes :
         {"GET\r\n\r\n", "GET /x HTTP/2.0\r\n\r\n", "GET x HTTP/1.1\r\n\r\n",
          "GET /x HTTP/1.1\r\nBad Header\r\n\r\n", "GET /x HTTP/1.1\r\n folded\r\n\r\n",
          "GET /x HTTP/1.1\r\nA: 1\r\nA: 2\r\n\r\n",
          "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
          "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nabc", "GET /a\x01 HTTP/1.1\r\n\r\n"}) {
        INFO(bytes);
        CHECK_THAT(exchange(running.port(), bytes), Catch::StartsWith("HTTP/1.1 400 "));
    }
    CHECK_THAT(
        exchange(running.port(), "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Catch::StartsWith("HTTP/1.1 501 "));
}

TEST_CASE("an oversized head or body is refused", "[peer][http][security]") {
    Running running;
    std::string huge = "GET /x HTTP/1.1\r\nX: " + std::string(10000, 'a') + "\r\n\r\n";
    CHECK_THAT(exchange(running.port(), huge), Catch::StartsWith("HTTP/1.1 431 "));
    CHECK_THAT(exchange(running.port(), "POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n"),
               Catch::StartsWith("HTTP/1.1 413 "));
}

TEST_CASE("a client that trickles its request is cut at the request timeout",
          "[peer][http][security]") {
    peer::HttpServerOptions options;
    options.request_timeout = 300ms;
    Running running(options);
    int fd = connect_to(running.port());
    REQUIRE(::send(fd, "GET /x HT", 9, MSG_NOSIGNAL) == 9);
    auto started = std::chrono::steady_clock::now();
    std::string reply = read_all(fd);
    ::close(fd);
    CHECK_THAT(reply, Catch::StartsWith("HTTP/1.1 408 "));
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("connections beyond the cap are answered 503", "[peer][http]") {
    peer::HttpServerOptions options;
    options.max_connections = 1;
    options.request_timeout = 3s;
    Running running(options);
    int idle = connect_to(running.port());
    std::this_thread::sleep_for(300ms);  // the server has taken it
    CHECK_THAT(exchange(running.port(), "GET /x HTTP/1.1\r\n\r\n"),
               Catch::StartsWith("HTTP/1.1 503 "));
    ::close(idle);
}

TEST_CASE("serve returns soon after stop, even with an idle connection open", "[peer][http]") {
    auto running = std::make_unique<Running>();
    int idle = connect_to(running->port());
    std::this_thread::sleep_for(100ms);
    auto started = std::chrono::steady_clock::now();
    running.reset();
    CHECK(std::chrono::steady_clock::now() - started < 2s);
    ::close(idle);
}

TEST_CASE("listening on an address that is not an IPv4 address is a usage error", "[peer][http]") {
    peer::HttpServerOptions options;
    options.address = "mesh0";
    auto server = peer::HttpServer::listen(options);
    REQUIRE_FALSE(server);
    CHECK(server.error().code == Code::usage);
}

namespace {

// A real slow client, python3's standard library: a small receive buffer, 16 bytes read every
// 250 ms (64 bytes/s) for `slow_seconds`, then everything left as fast as it comes. Prints
// "connected" once its request is sent, then "got N of L bytes, then <eof|reset>".
constexpr char kSlowReader[] = R"PY(
import socket, sys, time
port, path, slow_seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: peer\r\n\r\n")
print("connected", flush=True)
head, received, end, ending = b"", 0, time.monotonic() + slow_seconds, "eof"
try:
    while True:
        chunk = s.recv(16 if time.monotonic() < end else 65536)
        if not chunk:
            break
        if b"\r\n\r\n" not in head:
            head += chunk
        received += len(chunk)
        if time.monotonic() < end:
            time.sleep(0.25)
except ConnectionResetError:
    ending = "reset"
head = head.partition(b"\r\n\r\n")[0]
length = [l.split(b":")[1].strip() for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
print("got %d of %s bytes, then %s" % (received - len(head) - 4, length[0].decode() if length else "?", ending), flush=True)
)PY";

struct Popen {
    FILE* pipe;
    explicit Popen(const std::string& command) : pipe(::popen(command.c_str(), "r")) {
        REQUIRE(pipe != nullptr);
    }
    ~Popen() {
        if (pipe != nullptr)
            ::pclose(pipe);
    }
    std::string line() {
        char buffer[256] = {};
        if (std::fgets(buffer, sizeof buffer, pipe) == nullptr)
            return "";
        std::string text = buffer;
        if (!text.empty() && text.back() == '\n')
            text.pop_back();
        return text;
    }
};

// The status line of a small range request, "" when the connection gave nothing.
std::string status_of_range(int port, const std::string& path) {
    std::string reply =
        ::exchange(port, "GET " + path + " HTTP/1.1\r\nRange: bytes=0-99\r\n\r\n");
    return reply.substr(0, reply.find("\r\n"));
}

}  // namespace

// Issue 12, point 15: a client that reads a few bytes every second used to keep its connection
// slot for as long as it liked (only a send that stalled completely was cut). Each response now
// has a deadline of base + size / minimum rate, checked as it goes: the slow reader is cut once
// it falls behind, with an RST, and its slot is free again; a fast client is not affected.
TEST_CASE("a client that reads slower than the minimum rate is cut off and frees its slot",
          "[peer][http][security]") {
    test::TempDir root;
    std::filesystem::create_directories(root / "bundles");
    constexpr std::uint64_t kSize = 64ULL << 20;  // a large bundle, as a sparse file
    std::filesystem::resize_file(
        [&] {
            test::write_file(root / "bundles" / "site-1.bundle", "");
            return root / "bundles" / "site-1.bundle";
        }(),
        kSize);
    test::write_file(root / "slow_reader.py", kSlowReader);
    peer::HttpServerOptions options;
    options.max_connections = 1;
    options.response_base_deadline = 500ms;
    options.response_min_rate = 4 << 20;  // 4 MiB/s: the 64 MiB range may take 16.5 s
    std::string directory = (root / "bundles").string();
    Running running(options, [directory](const peer::HttpRequest& request) {
        return peer::serve_bundle_file(directory, request);
    });
    const std::string path = "/bundle/site-1.bundle";

    // A fast client gets the whole 64 MiB.
    std::string whole = ::exchange(running.port(), "GET " + path + " HTTP/1.1\r\n\r\n");
    CHECK_THAT(whole, Catch::StartsWith("HTTP/1.1 200 "));
    CHECK(whole.size() - whole.find("\r\n\r\n") - 4 == kSize);

    // The slow reader holds the only slot at first ...
    Popen slow("python3 " + (root / "slow_reader.py").string() + " " +
               std::to_string(running.port()) + " " + path + " 4");
    REQUIRE(slow.line() == "connected");
    auto connected = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(200ms);
    CHECK_THAT(status_of_range(running.port(), path), Catch::StartsWith("HTTP/1.1 503 "));
    // ... and is cut off once it falls behind the minimum rate: base 0.5 s plus what the
    // kernel's buffers took (at most a few MiB at 4 MiB/s), while it still reads every 250 ms.
    std::string status;
    while (std::chrono::steady_clock::now() - connected < 10s) {
        status = status_of_range(running.port(), path);
        if (status.rfind("HTTP/1.1 206 ", 0) == 0)
            break;
        std::this_thread::sleep_for(100ms);
    }
    auto freed = std::chrono::steady_clock::now() - connected;
    CHECK_THAT(status, Catch::StartsWith("HTTP/1.1 206 "));
    CHECK(freed >= 500ms);
    CHECK(freed < 4s);  // before the client's slow phase ends: it was cut while reading slowly
    // The client, draining what it still had, sees a reset far short of the 64 MiB.
    std::string ending = slow.line();
    INFO(ending);
    CHECK_THAT(ending, Catch::Matches("got [0-9]+ of 67108864 bytes, then reset"));
    CHECK(std::stoull(ending.substr(4)) < kSize / 4);
    std::lock_guard lock(running.log_mutex);
    bool said = std::any_of(running.log.begin(), running.log.end(), [](const std::string& line) {
        return line.find("cut off: the client read slower than the minimum rate") !=
               std::string::npos;
    });
    CHECK(said);
}
