#include "support/nginx.h"

#include <fstream>
#include <stdexcept>

#include "support/temp_dir.h"

namespace bundle::test {
namespace {

const char* const nginx_binary = "/usr/sbin/nginx";

std::string config(const std::filesystem::path& root, const std::filesystem::path& work, int port,
                   const std::string& limit_rate) {
    const std::string w = work.string();
    std::string text =
        "daemon off;\n"
        "master_process off;\n"  // one process; as root no `user` switch is attempted
        "worker_processes 1;\n"
        "pid " + w + "/nginx.pid;\n"
        "error_log " + w + "/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "  log_format ranges '$request $status $body_bytes_sent $http_range';\n"
        "  access_log " + w + "/access.log ranges;\n"
        "  client_body_temp_path " + w + "/client_body;\n"
        "  proxy_temp_path " + w + "/proxy;\n"
        "  fastcgi_temp_path " + w + "/fastcgi;\n"
        "  uwsgi_temp_path " + w + "/uwsgi;\n"
        "  scgi_temp_path " + w + "/scgi;\n"
        "  default_type application/octet-stream;\n"
        "  sendfile on;\n"
        "  keepalive_requests 10000;\n"
        "  server {\n"
        "    listen 127.0.0.1:" + std::to_string(port) + ";\n"
        "    root " + root.string() + ";\n";
    if (!limit_rate.empty()) text += "    limit_rate " + limit_rate + ";\n";
    text += "  }\n}\n";
    return text;
}

}  // namespace

Nginx::Nginx(const std::filesystem::path& root, const std::filesystem::path& work, const std::string& limit_rate)
    : work_(work), port_(free_port()) {
    std::filesystem::create_directories(work);
    if (!have_program("nginx")) throw std::runtime_error("nginx is missing: ci/setup installs nginx-light");
    write_file(work / "nginx.conf", config(root, work, port_, limit_rate));
    std::filesystem::path log = work / "nginx.out";
    process_ = std::make_unique<Process>(
        std::vector<std::string>{nginx_binary, "-p", work.string(), "-e", (work / "error.log").string(), "-c",
                                 (work / "nginx.conf").string()},
        log);
    wait_for_port(port_, *process_, "nginx", work / "error.log");
}

std::string Nginx::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

std::size_t Nginx::requests() const {
    std::ifstream in(access_log());
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
}

}  // namespace bundle::test
