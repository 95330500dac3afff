#include "deliver/push.h"

#include <charconv>
#include <optional>
#include <sstream>

#include "deliver/bundle_stream.h"
#include "deliver/remote_scripts.h"
#include "deliver/ssh_errors.h"
#include "format/inspect.h"

namespace bundle::deliver {
namespace {

constexpr std::size_t kTailBytes = 8 * 1024;

// Keeps the end of a stream: enough of a step's stderr to say why it failed.
struct Tail {
    std::string text;
    void add(std::string_view bytes) {
        text.append(bytes);
        if (text.size() > kTailBytes) text.erase(0, text.size() - kTailBytes);
    }
    OutputSink sink() {
        return [this](std::string_view bytes) { add(bytes); };
    }
};

// Hands complete lines of a step's stdout to `say`.
struct Lines {
    std::string partial;
    std::function<void(const std::string&)> say;
    OutputSink sink() {
        return [this](std::string_view bytes) {
            partial.append(bytes);
            for (std::size_t end; (end = partial.find('\n')) != std::string::npos; partial.erase(0, end + 1))
                if (say) say(partial.substr(0, end));
        };
    }
};

class Pusher {
public:
    Pusher(const render::NodeDelivery& node, const PushOptions& options, SshSession& session)
        : node_(node), options_(options), session_(session) {}

    // A failed step (exit status `status`, `err` its stderr) as an error naming the login and the step.
    Error step_error(const std::string& step, int status, const std::string& err) const {
        if (auto lost = session_.connection_failure(status, err, step)) return *lost;
        const std::string& login = session_.name();
        if (err.find("a password is required") != std::string::npos)
            return Error{Code::io, login,
                         step + ": sudo wants a password for this user, and push never types one: push as root, "
                                "or give the user sudo without a password (NOPASSWD)"};
        if (status == 127 && err.find("sudo") != std::string::npos)
            return Error{Code::io, login, step + ": the login is not root and sudo is not installed: push as root"};
        std::string said = last_line(err);
        if (status == kRemoteDigestMismatch) return Error{Code::digest, login, step + ": " + said};
        return Error{Code::io, login,
                     step + ": failed with exit status " + std::to_string(status) +
                         (said.empty() ? "" : " (" + said + ")")};
    }

    // Runs one step that prints key-value lines; returns its stdout.
    Result<std::string> query(const std::string& step, const std::vector<std::string>& words) {
        std::string out;
        Tail err;
        OutputSink keep = [&out](std::string_view bytes) { out.append(bytes); };
        auto status = session_.run(remote_command(words), ChildIo{{}, keep, err.sink(), {}, options_.cancel});
        if (!status) return std::move(status).error();
        if (*status != 0) return step_error(step, *status, err.text);
        return out;
    }

    // Runs one step, its stdout lines said as they come, `input` its stdin.
    Status act(const std::string& step, const std::vector<std::string>& words, InputSource input = {}) {
        Tail err;
        Lines lines{{}, options_.report.say};
        auto status = session_.run(remote_command(words),
                                   ChildIo{std::move(input), lines.sink(), err.sink(), {}, options_.cancel});
        if (!status) return std::move(status).error();
        if (*status != 0) return step_error(step, *status, err.text);
        return {};
    }

    // Returns whether the bundle was sent.
    Result<bool> check_and_upload() {
        const auto& bundle = node_.bundle;
        auto answer = query("check", check_command(options_.root, bundle.file_name));
        if (!answer) return std::move(answer).error();
        std::istringstream lines(*answer);
        std::string have, missing;
        std::optional<std::uint64_t> free;  // unknown: the upload finds out
        for (std::string key; lines >> key;) {
            std::string value;
            std::getline(lines >> std::ws, value);
            if (key == "missing") missing = value;
            if (key == "have") have = value;
            std::uint64_t number = 0;
            auto [end, failed] = std::from_chars(value.data(), value.data() + value.size(), number);
            if (key == "free" && failed == std::errc{} && end == value.data() + value.size()) free = number;
        }
        if (!missing.empty())
            return Error{Code::io, session_.name(),
                         "check: the node lacks " + missing + ", which push needs (Debian and Ubuntu have them)"};
        if (have == bundle.sha256) {
            say("the node already has " + bundle.file_name + " with the same SHA-256: not uploading it again");
            return false;
        }
        if (free && *free < bundle.size)
            return Error{Code::io, session_.name(),
                         "check: the node has " + format::human_size(*free) + " free for " + options_.root +
                             "/var/lib/bundle, and the bundle is " + format::human_size(bundle.size)};
        say("uploading " + bundle.file_name + " (" + format::human_size(bundle.size) + ") to " + options_.root +
            "/var/lib/bundle/incoming/");
        std::atomic<std::uint64_t>* sent =
            options_.report.upload_begins ? options_.report.upload_begins(bundle.size) : nullptr;
        auto stream = BundleStream::open(node_.bundle_path, bundle.size, bundle.sha256, sent);
        if (!stream) return std::move(stream).error();
        Status uploaded = act("upload", upload_command(options_.root, bundle.file_name, bundle.sha256),
                              [&stream] { return stream->next(); });
        if (options_.report.upload_ends) options_.report.upload_ends();
        if (!uploaded) return std::move(uploaded).error();
        return true;
    }

    Status write_files() {
        std::string script = files_script(node_.files(), node_.node().name);
        bool sent = false;
        return act("write the node's files", files_command(options_.root), [&]() -> Result<std::string_view> {
            if (sent) return std::string_view{};
            sent = true;
            return std::string_view(script);
        });
    }

    // The install's exit status.
    Result<int> install() {
        Tail err;
        auto status = session_.run(remote_command(install_command(options_.root, node_.bundle.file_name)),
                                   ChildIo{{}, options_.report.out,
                                           [&](std::string_view bytes) {
                                               err.add(bytes);
                                               if (options_.report.err) options_.report.err(bytes);
                                           },
                                           {}, options_.cancel});
        if (!status) return std::move(status).error();
        if (auto lost = session_.connection_failure(*status, err.text, "node install")) return *lost;
        return *status;
    }

    void say(const std::string& text) const {
        if (options_.report.say) options_.report.say(text);
    }

private:
    const render::NodeDelivery& node_;
    const PushOptions& options_;
    SshSession& session_;
};

}  // namespace

Result<std::string> check_trial_root(const std::string& root) {
    std::string trimmed = root;
    while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
    if (trimmed.empty() || trimmed.front() != '/')
        return Error{Code::usage, "--root", "must be an absolute path on the node (a trial run's folder)"};
    if (trimmed == "/") return Error{Code::usage, "--root", "is / itself: leave --root out to install for real"};
    for (unsigned char c : trimmed)
        if (c < ' ' || c == 0x7f) return Error{Code::usage, "--root", "holds a control character"};
    return trimmed;
}

Result<PushResult> push(const render::NodeDelivery& node, const PushOptions& options) {
    auto say = [&](const std::string& text) {
        if (options.report.say) options.report.say(text);
    };
    auto session = SshSession::open(options.target, options.cancel, say);
    if (!session) return std::move(session).error();
    say("logged in as " + session->name());
    Pusher pusher(node, options, *session);
    PushResult result;
    result.login = session->name();
    auto uploaded = pusher.check_and_upload();
    if (!uploaded) return std::move(uploaded).error();
    result.uploaded = *uploaded;
    BUNDLE_TRY(pusher.write_files());
    BUNDLE_TRY(pusher.act("take out the node agent",
                          agent_command(options.root, node.bundle.file_name, node.bundle.agent_sha256)));
    say("node agent checked (SHA-256 " + node.bundle.agent_sha256.substr(0, 12) + "...); running node install");
    auto status = pusher.install();
    if (!status) return std::move(status).error();
    result.install_status = *status;
    return result;
}

}  // namespace bundle::deliver
