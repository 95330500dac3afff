#include "peer/http_parse.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace bundle::peer {
namespace {

Error bad(const std::string& message) {
    return Error{Code::invalid_input, "request", message};
}

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string trim_spaces(const std::string& text) {
    std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string::npos)
        return "";
    std::size_t end = text.find_last_not_of(" \t");
    return text.substr(start, end - start + 1);
}

}  // namespace

Result<HttpRequest> parse_request_head(const std::string& head) {
    HttpRequest request;
    std::size_t line_end = head.find("\r\n");
    std::string line = head.substr(0, line_end);
    std::size_t first = line.find(' ');
    std::size_t second = first == std::string::npos ? std::string::npos : line.find(' ', first + 1);
    if (second == std::string::npos || line.find(' ', second + 1) != std::string::npos)
        return bad("malformed request line");
    request.method = line.substr(0, first);
    request.target = line.substr(first + 1, second - first - 1);
    std::string version = line.substr(second + 1);
    if (request.method.empty() ||
        !std::all_of(request.method.begin(), request.method.end(), is_token_char))
        return bad("malformed method");
    if (request.target.empty() || request.target[0] != '/')
        return bad("the target must be an absolute path");
    for (char c : request.target)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return bad("control or non-ASCII character in the target");
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return bad("unsupported HTTP version");

    while (line_end != std::string::npos) {
        std::size_t start = line_end + 2;
        line_end = head.find("\r\n", start);
        line = head.substr(start,
                           line_end == std::string::npos ? std::string::npos : line_end - start);
        if (line.empty()) {
            if (line_end == std::string::npos)
                break;
            return bad("empty header line");
        }
        if (line[0] == ' ' || line[0] == '\t')
            return bad("folded header lines are not accepted");
        std::size_t colon = line.find(':');
        if (colon == std::string::npos || colon == 0)
            return bad("malformed header line");
        std::string name = line.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), is_token_char))
            return bad("malformed header name");
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value = trim_spaces(line.substr(colon + 1));
        for (char c : value)
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return bad("control character in a header value");
        if (!request.headers.emplace(name, value).second)
            return bad("repeated header: " + name);
    }
    return request;
}

Result<std::uint64_t> content_length(const HttpRequest& request) {
    if (request.headers.count("transfer-encoding") != 0)
        return Error{Code::invalid_input, "request",
                     "Transfer-Encoding is not supported; send Content-Length"};
    auto found = request.headers.find("content-length");
    if (found == request.headers.end())
        return std::uint64_t{0};
    const std::string& text = found->second;
    if (text.empty() || text.size() > 15 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return bad("malformed Content-Length");
    return static_cast<std::uint64_t>(std::stoull(text));
}

}  // namespace bundle::peer
