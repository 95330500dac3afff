#include "peer/client.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "fetch/curl_setup.h"
#include "peer/removal_auth.h"
#include "peer/report_json.h"
#include "peer/service.h"

namespace bundle::peer {
namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

struct Reply {
    long status = 0;
    std::string body;
};

struct Sink {
    std::string body;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    std::size_t bytes = size * count;
    if (sink->body.size() + bytes > kMaxBody) {
        sink->too_large = true;
        return 0;
    }
    sink->body.append(data, bytes);
    return bytes;
}

// One request, one attempt: the caller polls again anyway.
Result<Reply> exchange(const std::string& url, const std::string* post_body,
                       std::chrono::milliseconds total, const ClientOptions& options) {
    fetch::HttpOptions http;
    http.connect_timeout_seconds = 1 + static_cast<long>(options.connect_timeout.count() / 1000);
    fetch::detail::HeaderList list;
    char error_buffer[CURL_ERROR_SIZE];
    std::vector<std::string> headers;
    if (post_body != nullptr)
        headers.emplace_back("Content-Type: application/json");
    auto easy = fetch::detail::make_easy(url, headers, http, list, error_buffer);
    if (!easy)
        return std::move(easy).error();
    CURL* e = easy->get();
    Sink sink;
    BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_FOLLOWLOCATION, 0L));
    BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_NOPROXY, "*"));
    BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_CONNECTTIMEOUT_MS,
                                         static_cast<long>(options.connect_timeout.count())));
    BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count())));
    BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_WRITEFUNCTION, &on_body));
    BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_WRITEDATA, static_cast<void*>(&sink)));
    if (post_body != nullptr) {
        BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_POSTFIELDS, post_body->c_str()));
        BUNDLE_TRY(fetch::detail::set_option(e, CURLOPT_POSTFIELDSIZE,
                                             static_cast<long>(post_body->size())));
    }
    CURLcode code = curl_easy_perform(e);
    if (sink.too_large)
        return Error{Code::size_exceeded, url, "the answer is larger than 64 KiB"};
    if (code != CURLE_OK) {
        std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
        return Error{Code::network, url, detail};
    }
    Reply reply;
    if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply.status) != CURLE_OK)
        reply.status = 0;
    reply.body = std::move(sink.body);
    return reply;
}

std::string base_url(const std::string& address, int port) {
    return "http://" + address + ":" + std::to_string(port);
}

std::string error_of(const Reply& reply) {
    try {
        return nlohmann::json::parse(reply.body).at("error").get<std::string>();
    } catch (const nlohmann::json::exception&) {
        return "no message";
    }
}

class HttpTransport final : public PeerTransport {
  public:
    explicit HttpTransport(ClientOptions options) : options_(options) {}

    std::vector<Answer> ask_all(const node::NodeConfig& config) override {
        std::vector<const node::Peer*> others;
        for (const node::Peer& peer : config.nodes)
            if (peer.name != config.self)
                others.push_back(&peer);
        // In parallel, so that one peer's timeout does not add to another's.
        std::vector<Answer> answers(others.size());
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < others.size(); ++i)
            threads.emplace_back(
                [&, i] { answers[i] = ask_peer(*others[i], config.agent_port, options_); });
        for (std::thread& t : threads) t.join();
        return answers;
    }

    Result<RemovalOutcome> remove_member(const node::NodeConfig& config, const node::Peer& member,
                                         const std::string& node) override {
        auto key = removal_key(config.k3s_token);
        if (!key)
            return std::move(key).error();
        auto request =
            sign_removal(*key, member.name, member.mesh_ipv4, node, system_seconds());
        if (!request)
            return std::move(request).error();
        std::string body = removal_to_json(*request);
        std::string url = base_url(member.mesh_ipv4, config.agent_port) + kRemovePath;
        auto reply = exchange(url, &body, options_.removal_timeout, options_);
        if (!reply)
            return std::move(reply).error();
        if (reply->status != 200)
            return Error{Code::network, url,
                         "HTTP " + std::to_string(reply->status) + ": " + error_of(*reply)};
        try {
            nlohmann::json json = nlohmann::json::parse(reply->body);
            RemovalOutcome outcome;
            outcome.removed = json.at("removed").get<bool>();
            outcome.detail = json.at("detail").get<std::string>();
            return outcome;
        } catch (const nlohmann::json::exception&) {
            return Error{Code::network, url, "malformed answer to the removal request"};
        }
    }

  private:
    ClientOptions options_;
};

}  // namespace

Answer ask_peer(const node::Peer& peer, int port, const ClientOptions& options) {
    Answer answer;
    answer.node = peer.name;
    answer.address = peer.mesh_ipv4;
    answer.number = peer.number;
    std::string url = base_url(peer.mesh_ipv4, port) + "/v1/state";
    auto reply = exchange(url, nullptr, options.total_timeout, options);
    if (!reply) {
        answer.failure = reply.error().message;
        return answer;
    }
    if (reply->status != 200) {
        answer.failure = "HTTP " + std::to_string(reply->status);
        return answer;
    }
    auto report = parse_report(reply->body, url);
    if (!report) {
        answer.failure = report.error().message;
        return answer;
    }
    answer.report = std::move(*report);
    return answer;
}

std::unique_ptr<PeerTransport> http_transport(ClientOptions options) {
    return std::make_unique<HttpTransport>(options);
}

}  // namespace bundle::peer
