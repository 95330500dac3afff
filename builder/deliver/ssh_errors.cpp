#include "deliver/ssh_errors.h"

#include <array>
#include <string_view>

namespace bundle::deliver {
namespace {

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

std::string ssh_advice(const std::string& text, const std::string& known_host) {
    if (has(text, "Could not resolve hostname"))
        return "the host name does not resolve: check its spelling, or give the address";
    if (has(text, "Connection refused"))
        return "nothing accepts SSH connections there: check the address and the port (--port), and that "
               "sshd runs on the node";
    if (has(text, "timed out") || has(text, "No route to host") || has(text, "Network is unreachable"))
        return "the node does not answer: check the address, the port (--port), that the VPS is up, and "
               "that no firewall drops the connection";
    if (has(text, "REMOTE HOST IDENTIFICATION HAS CHANGED") || has(text, "Host key verification failed") ||
        has(text, "host key for") || has(text, "requested strict checking"))
        return "the node's host key is not the one known_hosts holds for it (a reinstalled VPS has a new "
               "key): compare the new key's fingerprint with the one the provider's console shows, then "
               "remove the old one with `ssh-keygen -R '" +
               known_host + "'` and push again";
    if (has(text, "Permission denied") || has(text, "Too many authentication failures"))
        return "the node refused the login: check the user, the key (--identity, or the ssh-agent) and "
               "that its public key is in that user's authorized_keys; push never asks for a password";
    if (has(text, "Connection closed by") || has(text, "Connection reset by peer") ||
        has(text, "kex_exchange_identification"))
        return "the node closed the connection before the login: check the port (--port) is its SSH "
               "port, and that sshd is not refusing new connections";
    return "";
}

std::string last_line(const std::string& text) {
    std::size_t end = text.find_last_not_of("\r\n \t");
    if (end == std::string::npos) return "";
    std::size_t start = text.find_last_of('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    return text.substr(start, end + 1 - start);
}

Error ssh_error(const std::string& login, const std::string& known_host, const std::string& step,
                const std::string& ssh_stderr) {
    std::string said = last_line(ssh_stderr);
    if (said.rfind("ssh: ", 0) == 0) said.erase(0, 5);
    std::string why = ssh_advice(ssh_stderr, known_host);
    std::string message = step + ": ";
    if (why.empty()) {
        message += "ssh failed" + (said.empty() ? std::string(" without saying why") : " (" + said + ")");
    } else {
        message += why + (said.empty() ? "" : " (ssh: " + said + ")");
    }
    return Error{Code::network, login, message};
}

bool ssh_lost_connection(const std::string& ssh_stderr) {
    static constexpr std::array<std::string_view, 7> kSigns = {
        "closed by remote host", "Broken pipe", "client_loop:", "Connection reset",
        "Control socket connect", "mux_client", "Timeout, server"};
    for (auto sign : kSigns)
        if (has(ssh_stderr, sign)) return true;
    return false;
}

}  // namespace bundle::deliver
