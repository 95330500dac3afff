#include "oci/session.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "oci/credentials.h"
#include "oci/media_types.h"

namespace bundle::oci {
namespace {

constexpr std::uint64_t max_token_body = 1u << 20;

std::vector<std::string> with(std::vector<std::string> headers,
                              const std::optional<std::string>& authorization) {
    if (authorization)
        headers.push_back(*authorization);
    return headers;
}

std::vector<std::string> header_values(const fetch::Response& response, const std::string& name) {
    std::vector<std::string> values;
    auto [first, last] = response.headers.equal_range(name);
    for (auto it = first; it != last; ++it) values.push_back(it->second);
    return values;
}

// scheme://host[:port] of a URL, host[:port] only.
std::string authority_of(const std::string& url) {
    auto start = url.find("://");
    if (start == std::string::npos)
        return {};
    std::string rest = url.substr(start + 3);
    return rest.substr(0, rest.find_first_of("/?#"));
}

}  // namespace

std::string url_encode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

Session::Session(Endpoint endpoint, std::string name, std::filesystem::path docker_config,
                 fetch::HttpOptions http)
    : endpoint_(std::move(endpoint)),
      name_(std::move(name)),
      docker_config_(std::move(docker_config)),
      http_(std::move(http)) {}

Result<fetch::Response> Session::request(const std::string& suffix,
                                         const std::vector<std::string>& headers, bool head) {
    fetch::Request req;
    req.url = endpoint_.url(suffix);
    req.head = head && !endpoint_.is_file;
    req.headers = with(headers, authorization_);
    auto response = fetch::get(req, http_);
    if (!response)
        return std::move(response).error();
    if (response->status != 401 || endpoint_.is_file)
        return response;
    // An expired token is answered like a first challenge, once.
    authorization_.reset();
    const std::string shown = endpoint_.shown_url(suffix);
    BUNDLE_TRY(answer_challenge(*response, shown));
    req.headers = with(headers, authorization_);
    response = fetch::get(req, http_);
    if (!response)
        return std::move(response).error();
    if (response->status == 401)
        return Error{Code::network, shown,
                     name_ +
                         ": access denied (HTTP 401) with the credentials or token obtained for " +
                         endpoint_.host};
    return response;
}

Status Session::answer_challenge(const fetch::Response& unauthorized, const std::string& url) {
    std::optional<Challenge> bearer;
    std::optional<Challenge> basic;
    for (const std::string& header : header_values(unauthorized, "www-authenticate")) {
        for (Challenge& challenge : parse_www_authenticate(header)) {
            if (challenge.scheme == "bearer" && !bearer)
                bearer = std::move(challenge);
            else if (challenge.scheme == "basic" && !basic)
                basic = std::move(challenge);
        }
    }
    if (bearer) {
        auto token = bearer_token(*bearer, url);
        if (!token)
            return std::move(token).error();
        authorization_ = "Authorization: Bearer " + *token;
        return {};
    }
    if (basic) {
        auto credentials = find_credentials(endpoint_.host, docker_config_);
        if (!credentials)
            return std::move(credentials).error();
        if (!*credentials)
            return Error{Code::network, url,
                         name_ +
                             ": the registry asks for a login (HTTP 401, Basic) and no credentials "
                             "were found for " +
                             endpoint_.host +
                             " (Docker config.json auths, or "
                             "BUNDLE_REGISTRY_USER/BUNDLE_REGISTRY_PASSWORD)"};
        authorization_ = basic_authorization(**credentials);
        return {};
    }
    return Error{Code::network, url, name_ + ": HTTP 401 without a Bearer or Basic challenge"};
}

Result<std::string> Session::bearer_token(const Challenge& challenge, const std::string& url) {
    auto realm = challenge.params.find("realm");
    if (realm == challenge.params.end() || realm->second.empty())
        return Error{Code::network, url, name_ + ": the Bearer challenge names no token realm"};
    const std::string& realm_url = realm->second;
    bool https = realm_url.rfind("https://", 0) == 0;
    bool http = realm_url.rfind("http://", 0) == 0;
    if (!https &&
        !(http && registry_scheme(authority_of(realm_url), http_.insecure_hosts) == "http"))
        return Error{Code::network, fetch::redact_url(realm_url),
                     name_ +
                         ": refusing a token realm that is neither HTTPS nor on loopback or an "
                         "insecure host"};

    std::string token_url = realm_url + (realm_url.find('?') == std::string::npos ? "?" : "&");
    std::string query;
    if (auto service = challenge.params.find("service"); service != challenge.params.end())
        query += "service=" + url_encode(service->second);
    auto scope = challenge.params.find("scope");
    std::string scope_value = scope != challenge.params.end()
                                  ? scope->second
                                  : "repository:" + endpoint_.repository + ":pull";
    query += (query.empty() ? "" : "&") + std::string("scope=") + url_encode(scope_value);
    token_url += query;
    const std::string shown_token_url = fetch::redact_url(token_url);

    fetch::Request req;
    req.url = token_url;
    req.max_body = max_token_body;
    auto credentials = find_credentials(endpoint_.host, docker_config_);
    if (!credentials)
        return std::move(credentials).error();
    if (*credentials)
        req.headers.push_back(basic_authorization(**credentials));
    auto response = fetch::get(req, http_);
    if (!response)
        return std::move(response).error();
    if (response->status == 401 || response->status == 403)
        return Error{
            Code::network, shown_token_url,
            name_ + ": the token service refused " +
                (*credentials ? std::string("the credentials found for ") + endpoint_.host
                              : std::string("an anonymous request (no credentials found for ") +
                                    endpoint_.host + ")") +
                " (HTTP " + std::to_string(response->status) + ")"};
    if (response->status != 200)
        return Error{
            Code::network, shown_token_url,
            name_ + ": the token service answered HTTP " + std::to_string(response->status)};
    nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
    if (body.is_object()) {
        for (const char* key : {"token", "access_token"}) {
            auto it = body.find(key);
            if (it != body.end() && it->is_string() && !it->get<std::string>().empty()) {
                std::string token = it->get<std::string>();
                // A header value cannot hold a line break: such a token is not one.
                if (token.find_first_of("\r\n") == std::string::npos)
                    return token;
            }
        }
    }
    return Error{Code::network, shown_token_url, name_ + ": the token service's answer holds no token"};
}

Result<std::vector<std::string>> Session::blob_headers(const std::string& probe) {
    if (!authorization_ && !probed_ && !endpoint_.is_file) {
        auto response = request("manifests/" + probe, {std::string(media_type::manifest_accept)},
                                /*head=*/true);
        if (!response)
            return std::move(response).error();
        probed_ = true;
    }
    std::vector<std::string> headers;
    if (authorization_)
        headers.push_back(*authorization_);
    return headers;
}

}  // namespace bundle::oci
