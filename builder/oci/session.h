// The conversation with one repository of one registry (or its mirror): requests under
// /v2/<name>/, answering an authentication challenge on the way.
//
// A request goes out anonymously first (or with the Authorization an earlier challenge led to).
// On a 401 the client reads WWW-Authenticate: for Basic it retries with the credentials found
// for the registry (credentials.h); for Bearer it asks the realm for a token, with
// service= and scope= from the challenge (scope "repository:<name>:pull" when the challenge has
// none) and with Basic credentials when there are some, then retries with that token. A second
// 401 is final. The Authorization reached this way is what blob downloads send too.
//
// A token realm is contacted under the same transport rule as a registry: HTTPS, unless it is
// on loopback or listed as insecure. Tokens and credentials never reach an error message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "fetch/http.h"
#include "oci/challenge.h"
#include "oci/endpoint.h"

namespace bundle::oci {

class Session {
  public:
    // `name` is the reference as the user wrote it, for messages.
    Session(Endpoint endpoint, std::string name, std::filesystem::path docker_config,
            fetch::HttpOptions http);

    const Endpoint& endpoint() const { return endpoint_; }

    // GET (or HEAD) of endpoint().url(suffix). Any HTTP status but a 401 that authentication
    // can answer is returned as a Response; transport failures are Code::network.
    Result<fetch::Response> request(const std::string& suffix,
                                    const std::vector<std::string>& headers, bool head = false);

    // The headers a blob download needs. When no challenge was met yet, a HEAD of
    // manifests/<probe> finds out whether the registry asks for one.
    Result<std::vector<std::string>> blob_headers(const std::string& probe);

  private:
    Status answer_challenge(const fetch::Response& unauthorized, const std::string& url);
    Result<std::string> bearer_token(const Challenge& challenge, const std::string& url);

    Endpoint endpoint_;
    std::string name_;
    std::filesystem::path docker_config_;
    fetch::HttpOptions http_;
    std::optional<std::string>
        authorization_;  // "Authorization: ..." once a challenge was answered
    bool probed_ = false;
};

// Percent-encoding of a query parameter value (RFC 3986 unreserved characters kept).
std::string url_encode(const std::string& text);

}  // namespace bundle::oci
