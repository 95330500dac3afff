// A real registry for tests: docker-registry (distribution v2) on 127.0.0.1:<free port>, its
// storage in the test's folder, optionally behind Basic authentication (htpasswd with a bcrypt
// hash), stopped by the destructor. Images get into it as a user's would: `skopeo copy` from an
// OCI layout, every manifest of an index included and digests preserved.
//
// RegistryFront starts tests/oci/registry_front.py before a registry: a token-endpoint front
// for the Bearer flow, or a front that alters bytes in transit. It is named a front, not a
// registry: it stores nothing and forwards to the real one.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/process.h"

namespace bundle::test {

struct BasicLogin {
    std::string user;
    std::string password;
};

class Registry {
  public:
    // `dir` must exist and outlive the registry.
    explicit Registry(const std::filesystem::path& dir,
                      std::optional<BasicLogin> login = std::nullopt);
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    int port() const { return port_; }
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

    // skopeo copy --all --preserve-digests oci:<layout>:<tag> docker://<host>/<destination>;
    // throws with skopeo's output when it fails.
    void push(const std::filesystem::path& layout, const std::string& tag,
              const std::string& destination);

  private:
    std::filesystem::path dir_;
    std::filesystem::path log_;
    std::optional<BasicLogin> login_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

class RegistryFront {
  public:
    // `script` is registry_front.py; `arguments` its --mode and mode options.
    RegistryFront(const std::filesystem::path& script, const std::filesystem::path& dir,
                  const Registry& upstream, const std::vector<std::string>& arguments);
    RegistryFront(const RegistryFront&) = delete;
    RegistryFront& operator=(const RegistryFront&) = delete;

    int port() const { return port_; }
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
    std::filesystem::path log() const { return log_; }

  private:
    std::filesystem::path log_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

// Fails the test (throws) naming the Debian package when a program is missing.
void require_program(const std::string& program, const std::string& package);

}  // namespace bundle::test
