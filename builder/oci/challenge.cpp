#include "oci/challenge.h"

#include <cctype>
#include <cstring>

namespace bundle::oci {
namespace {

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

class Scanner {
  public:
    explicit Scanner(std::string_view text) : text_(text) {}

    bool done() const { return pos_ >= text_.size(); }
    char peek() const { return done() ? '\0' : text_[pos_]; }
    std::size_t pos() const { return pos_; }
    void seek(std::size_t pos) { pos_ = pos; }
    void skip() { ++pos_; }
    void skip_spaces() {
        while (!done() && (peek() == ' ' || peek() == '\t')) ++pos_;
    }
    void skip_spaces_and_commas() {
        while (!done() && (peek() == ' ' || peek() == '\t' || peek() == ',')) ++pos_;
    }
    std::string_view token() {
        std::size_t start = pos_;
        while (!done() && is_tchar(peek())) ++pos_;
        return text_.substr(start, pos_ - start);
    }
    // After the opening quote: up to the closing one, resolving backslash escapes. An
    // unterminated string runs to the end of the header.
    std::string quoted() {
        std::string value;
        while (!done()) {
            char c = text_[pos_++];
            if (c == '"')
                break;
            if (c == '\\' && !done())
                c = text_[pos_++];
            value += c;
        }
        return value;
    }
    // token68 (RFC 9110): a token followed by '=' padding, e.g. Basic's credentials.
    std::string_view token68() {
        std::size_t start = pos_;
        while (!done() && (is_tchar(peek()) || peek() == '/')) ++pos_;
        while (!done() && peek() == '=') ++pos_;
        return text_.substr(start, pos_ - start);
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

// Reads "name = value" at the scanner; false (and the scanner unmoved) when the text there is
// not a parameter, which means a new challenge starts.
bool read_param(Scanner& in, Challenge& challenge) {
    std::size_t start = in.pos();
    std::string_view name = in.token();
    in.skip_spaces();
    if (name.empty() || in.peek() != '=') {
        in.seek(start);
        return false;
    }
    in.skip();
    in.skip_spaces();
    std::string value;
    if (in.peek() == '"') {
        in.skip();
        value = in.quoted();
    } else {
        value = std::string(in.token());
    }
    challenge.params[lower(name)] = std::move(value);
    return true;
}

}  // namespace

std::vector<Challenge> parse_www_authenticate(std::string_view header) {
    std::vector<Challenge> challenges;
    Scanner in(header);
    while (true) {
        in.skip_spaces_and_commas();
        if (in.done())
            break;
        std::string_view scheme = in.token();
        if (scheme.empty()) {  // garbage: step over it
            in.skip();
            continue;
        }
        Challenge challenge{lower(scheme), {}};
        in.skip_spaces();
        if (!read_param(in, challenge)) {
            // token68 credentials-like blob or nothing: consumed, no parameters.
            std::size_t before = in.pos();
            std::string_view blob = in.token68();
            in.skip_spaces();
            if (!blob.empty() && in.peek() != ',' && !in.done())
                in.seek(before);
        }
        while (true) {
            in.skip_spaces();
            if (in.peek() != ',')
                break;
            std::size_t comma = in.pos();
            in.skip_spaces_and_commas();
            if (!read_param(in, challenge)) {
                in.seek(comma);
                break;
            }
        }
        challenges.push_back(std::move(challenge));
    }
    return challenges;
}

}  // namespace bundle::oci
