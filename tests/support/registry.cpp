#include "support/registry.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/temp_dir.h"

namespace bundle::test {
namespace {

std::string tail_of(const std::filesystem::path& log) {
    std::string text = read_file(log);
    return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
}

// A bcrypt line for htpasswd. docker-registry accepts only bcrypt; Python's crypt module (with
// libxcrypt, as on Debian 12) makes one, else `htpasswd -B` (apache2-utils) does.
std::string htpasswd_line(const BasicLogin& login, const std::filesystem::path& dir) {
    std::filesystem::path out = dir / "htpasswd.line";
    std::filesystem::path log = dir / "htpasswd.log";
    int status = run({"python3", "-W", "ignore", "-c",
                      "import crypt,sys\n"
                      "h=crypt.crypt(sys.argv[2],crypt.mksalt(crypt.METHOD_BLOWFISH,rounds=16))\n"
                      "assert h and h.startswith('$2')\n"
                      "open(sys.argv[3],'w').write(sys.argv[1]+':'+h+'\\n')",
                      login.user, login.password, out.string()},
                     log);
    if (status != 0 && have_program("htpasswd"))
        status = run({"sh", "-c", "htpasswd -nbB \"$0\" \"$1\" | head -n 1 > \"$2\"", login.user,
                      login.password, out.string()},
                     log);
    if (status != 0)
        throw std::runtime_error(
            "cannot make a bcrypt htpasswd line (python3 crypt with bcrypt, or htpasswd "
            "from apache2-utils, is needed): " +
            tail_of(log));
    return read_file(out);
}

}  // namespace

void require_program(const std::string& program, const std::string& package) {
    if (!have_program(program))
        throw std::runtime_error(
            program + " is not installed: ci/setup must install the Debian package " + package);
}

Registry::Registry(const std::filesystem::path& dir, std::optional<BasicLogin> login)
    : dir_(dir / "registry"), log_(dir / "registry" / "log"), login_(std::move(login)) {
    require_program("docker-registry", "docker-registry");
    std::filesystem::create_directories(dir_ / "storage");
    port_ = free_port();
    std::ostringstream config;
    config << "version: 0.1\n"
           << "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
           << "storage:\n  filesystem:\n    rootdirectory: " << (dir_ / "storage").string() << "\n"
           << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
    if (login_) {
        write_file(dir_ / "htpasswd", htpasswd_line(*login_, dir_));
        config << "auth:\n  htpasswd:\n    realm: bundle-test\n    path: "
               << (dir_ / "htpasswd").string() << "\n";
    }
    write_file(dir_ / "config.yml", config.str());
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"docker-registry", "serve", (dir_ / "config.yml").string()}, log_);
    wait_for_port(port_, *process_, "docker-registry", log_);
}

void Registry::push(const std::filesystem::path& layout, const std::string& tag,
                    const std::string& destination) {
    require_program("skopeo", "skopeo");
    std::vector<std::string> argv{"skopeo",
                                  "--insecure-policy",
                                  "copy",
                                  "--quiet",
                                  "--all",
                                  "--preserve-digests",
                                  "--dest-tls-verify=false"};
    if (login_) {
        argv.push_back("--dest-creds");
        argv.push_back(login_->user + ":" + login_->password);
    }
    argv.push_back("oci:" + layout.string() + ":" + tag);
    argv.push_back("docker://" + host() + "/" + destination);
    std::filesystem::path log = dir_ / "skopeo.log";
    if (run(argv, log) != 0)
        throw std::runtime_error("skopeo copy of " + tag + " to " + destination +
                                 " failed: " + tail_of(log));
}

RegistryFront::RegistryFront(const std::filesystem::path& script, const std::filesystem::path& dir,
                             const Registry& upstream, const std::vector<std::string>& arguments)
    : log_(dir / "front.log"), port_(free_port()) {
    std::vector<std::string> argv{"python3",    script.string(), "--port", std::to_string(port_),
                                  "--upstream", upstream.host()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    process_ = std::make_unique<Process>(argv, log_);
    wait_for_port(port_, *process_, "registry front", log_);
}

}  // namespace bundle::test
