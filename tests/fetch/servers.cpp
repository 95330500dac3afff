#include "servers.h"

#include <random>
#include <stdexcept>

#include "fetch/http.h"

namespace bundle::test {

FaultyServer::FaultyServer(const std::filesystem::path& root, const std::filesystem::path& work)
    : port_(free_port()) {
    std::filesystem::create_directories(work);
    std::filesystem::path log = work / "faulty_server.log";
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"python3", BUNDLE_FAULTY_SERVER, std::to_string(port_), root.string()}, log);
    wait_for_port(port_, *process_, "faulty_server.py", log);
}

std::string FaultyServer::url(const std::string& mode, const std::string& name, const std::string& query) const {
    std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/" + mode + "/" + name;
    if (!query.empty()) url += "?" + query;
    return url;
}

nlohmann::json FaultyServer::stats(const std::string& mode, const std::string& name) const {
    fetch::Request request;
    request.url = "http://127.0.0.1:" + std::to_string(port_) + "/_stats";
    auto response = fetch::get(request);
    if (!response || response->status != 200) throw std::runtime_error("cannot read the faulty server's stats");
    nlohmann::json all = nlohmann::json::parse(response->body);
    std::string key = "/" + mode + "/" + name;
    if (!all.contains(key)) return nlohmann::json{{"requests", 0}, {"ranges", nlohmann::json::array()}, {"bytes", 0}};
    return all[key];
}

std::string make_content(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    std::string content(size, '\0');
    for (char& c : content) c = static_cast<char>(random() & 0xff);
    return content;
}

hash::Sha256Digest digest_of(const std::string& content) {
    auto digest = hash::sha256(content);
    if (!digest) throw std::runtime_error("sha256 failed");
    return *digest;
}

}  // namespace bundle::test
