#include "peer/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

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

    explicit Running(peer::HttpServerOptions options = {}) {
        options.address = "127.0.0.1";
        auto listening = peer::HttpServer::listen(options);
        REQUIRE(listening);
        server.emplace(std::move(*listening));
        thread = std::thread([this] {
            server->serve(
                [](const peer::HttpRequest& request) {
                    peer::HttpResponse response;
                    response.body = request.body.empty() ? "hello" : request.body;
                    return response;
                },
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
