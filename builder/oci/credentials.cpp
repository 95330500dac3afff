#include "oci/credentials.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <vector>

namespace bundle::oci {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<Credentials> from_entry(const nlohmann::json& entry) {
    if (!entry.is_object())
        return std::nullopt;
    if (auto auth = entry.find("auth"); auth != entry.end() && auth->is_string()) {
        auto decoded = base64_decode(auth->get<std::string>());
        if (decoded) {
            auto colon = decoded->find(':');
            if (colon != std::string::npos)
                return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
        }
    }
    auto user = entry.find("username");
    auto password = entry.find("password");
    if (user != entry.end() && password != entry.end() && user->is_string() &&
        password->is_string())
        return Credentials{user->get<std::string>(), password->get<std::string>()};
    return std::nullopt;
}

std::vector<std::string> config_keys(const std::string& registry) {
    std::vector<std::string> keys{registry, "https://" + registry, "http://" + registry,
                                  "https://" + registry + "/", "http://" + registry + "/"};
    if (registry == "docker.io") {
        for (const char* key : {"https://index.docker.io/v1/", "index.docker.io",
                                "registry-1.docker.io", "https://registry-1.docker.io"})
            keys.emplace_back(key);
    }
    return keys;
}

Result<std::optional<Credentials>> from_config(const std::string& registry,
                                               const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return std::optional<Credentials>{};  // no config: anonymous, or the environment
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    nlohmann::json config = nlohmann::json::parse(text, nullptr, false);
    if (config.is_discarded() || !config.is_object())
        return Error{Code::invalid_input, file.string(),
                     "the Docker client configuration is not a JSON object"};
    auto auths = config.find("auths");
    if (auths == config.end() || !auths->is_object())
        return std::optional<Credentials>{};
    for (const std::string& key : config_keys(registry)) {
        auto entry = auths->find(key);
        if (entry == auths->end())
            continue;
        if (auto credentials = from_entry(*entry))
            return credentials;
    }
    return std::optional<Credentials>{};
}

}  // namespace

std::filesystem::path default_docker_config() {
    if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0')
        return std::filesystem::path(dir) / "config.json";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home != nullptr ? home : "") / ".docker" / "config.json";
}

Result<std::optional<Credentials>> find_credentials(const std::string& registry,
                                                    const std::filesystem::path& docker_config) {
    std::filesystem::path file = docker_config.empty() ? default_docker_config() : docker_config;
    try {
        auto found = from_config(registry, file);
        if (!found || *found)
            return found;
    } catch (const nlohmann::json::exception&) {
        return Error{Code::invalid_input, file.string(),
                     "the Docker client configuration cannot be read"};
    }
    const char* user = std::getenv("BUNDLE_REGISTRY_USER");
    const char* password = std::getenv("BUNDLE_REGISTRY_PASSWORD");
    if (user != nullptr && *user != '\0')
        return std::optional<Credentials>{Credentials{user, password != nullptr ? password : ""}};
    return std::optional<Credentials>{};
}

std::string basic_authorization(const Credentials& credentials) {
    return "Authorization: Basic " + base64_encode(credentials.user + ":" + credentials.password);
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t at) {
        return static_cast<unsigned>(static_cast<unsigned char>(bytes[at]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(v >> shift) & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned v = byte(i) << 16;
        if (rest == 2)
            v |= byte(i + 1) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        auto at = alphabet.find(c);
        if (at == std::string_view::npos)
            return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(at);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xffu);
        }
    }
    return out;
}

}  // namespace bundle::oci
