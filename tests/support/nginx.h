// nginx (Debian's nginx-light) as a test's HTTP origin: a foreground master-less process on a
// free loopback port, serving one folder with byte ranges, optionally throttled per connection
// (limit_rate) so that parallel downloads matter. Everything it writes (config, pid, logs,
// temporaries) stays in the test's own folder; the destructor stops it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "support/process.h"

namespace bundle::test {

class Nginx {
public:
    // Serves `root`; `work` receives nginx.conf, the logs and temporaries. `limit_rate` is an
    // nginx size ("50m", "200k") or empty for no limit.
    Nginx(const std::filesystem::path& root, const std::filesystem::path& work, const std::string& limit_rate = "");

    int port() const { return port_; }
    // http://127.0.0.1:<port>/<path>
    std::string url(const std::string& path) const;
    // One line per request: "<request line> <status> <body bytes> <Range header or ->".
    std::filesystem::path access_log() const { return work_ / "access.log"; }
    // Requests logged so far (nginx writes a line when a request ends).
    std::size_t requests() const;

private:
    std::filesystem::path work_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

}  // namespace bundle::test
