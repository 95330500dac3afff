#include "fixture.h"

namespace bundle::test {

node::NodeConfig three_nodes(const std::string& self, int count) {
    node::NodeConfig config;
    config.path = "node.yaml";
    config.cluster = "prod";
    config.self = self;
    for (int n = 1; n <= count; ++n) {
        node::Peer peer;
        peer.name = "node-" + std::to_string(n);
        peer.number = n;
        peer.public_ipv4 = "203.0.113." + std::to_string(n);
        peer.mesh_ipv4 = "127.0.0." + std::to_string(n);
        config.nodes.push_back(peer);
    }
    config.agent_port = 7443;
    config.k3s_token = "K10-test-token-not-a-real-one";
    config.settings_digest = kDigest;
    config.bundle.file = "demo-1.bundle";
    config.bundle.version = 1;
    return config;
}

Result<node::CommandResult> FakeRunner::run(const node::Command& command,
                                            const node::LineSink& on_line) {
    calls.push_back(command.argv);
    node::CommandResult result;
    if (answer)
        result = answer(command);
    std::size_t start = 0;
    while (start < result.output.size()) {
        std::size_t end = result.output.find('\n', start);
        if (end == std::string::npos)
            end = result.output.size();
        on_line(std::string_view(result.output).substr(start, end - start));
        start = end + 1;
    }
    return result;
}

void answer_readyz(FakeRunner& runner, bool healthy) {
    runner.answer = [healthy](const node::Command& command) {
        node::CommandResult result;
        bool readyz = command.argv.size() > 3 && command.argv[3] == "--raw=/readyz";
        if (readyz) {
            result.exit_code = healthy ? 0 : 1;
            result.output = healthy ? "ok\n" : "The connection to the server was refused\n";
        }
        return result;
    };
}

}  // namespace bundle::test
