// Where the registry client finds a user name and password for a registry, in order:
//
//   1. the Docker client's config.json (RegistryOptions::docker_config, else
//      $DOCKER_CONFIG/config.json, else ~/.docker/config.json): "auths"."<key>"."auth", the
//      base64 of "user:password" (or "username" and "password" members), where <key> is the
//      registry as written ("quay.io", "127.0.0.1:5000"), optionally with an https:// or
//      http:// prefix; docker.io is also found under Docker's own key
//      "https://index.docker.io/v1/". Credential helpers (credsStore) are not run.
//   2. BUNDLE_REGISTRY_USER and BUNDLE_REGISTRY_PASSWORD, for any registry, so that CI can
//      pass a secret without writing a file.
//
// Credentials are sent only when the registry (or its token realm) asks for them, and never
// appear in an error message or a log line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace bundle::oci {

struct Credentials {
    std::string user;
    std::string password;
};

// nullopt when neither source has credentials for `registry`. Code::invalid_input naming the
// file when config.json exists but cannot be read as JSON (its content is not quoted).
Result<std::optional<Credentials>> find_credentials(const std::string& registry,
                                                    const std::filesystem::path& docker_config);

// The file find_credentials reads when `configured` is empty.
std::filesystem::path default_docker_config();

// "Authorization: Basic <base64(user:password)>".
std::string basic_authorization(const Credentials& credentials);

std::string base64_encode(std::string_view bytes);
// nullopt for text that is not base64 (padding optional, whitespace not allowed).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace bundle::oci
