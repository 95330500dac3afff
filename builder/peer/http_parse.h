// The request head of HTTP/1.1 as the agent's server reads it (RFC 9112), strictly: a request
// line "METHOD SP target SP HTTP/1.x", header lines "name: value", no line folding, no
// repeated header, a Content-Length of digits only. Anything else is a 400 and the connection
// closes: the only clients are our own agents and curl.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "peer/http_server.h"

namespace bundle::peer {

// Parses `head` (everything before the blank line, CRLF line ends) into method, target and
// headers. The error's message is short and safe to send back.
Result<HttpRequest> parse_request_head(const std::string& head);

// The Content-Length of a parsed request (0 without one); an error for a malformed one or for
// Transfer-Encoding (refused: no chunked bodies here).
Result<std::uint64_t> content_length(const HttpRequest& request);

}  // namespace bundle::peer
