// What the peer tests share: a three-node configuration built in memory, and a command runner
// that answers like K3s would without running anything.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "node/command.h"
#include "node/node_config.h"

namespace bundle::test {

inline constexpr char kDigest[] =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";
inline constexpr char kOtherDigest[] =
    "sha256:2222222222222222222222222222222222222222222222222222222222222222";

// node-1..node-<count> on 127.0.0.<n>, `self` one of them.
node::NodeConfig three_nodes(const std::string& self, int count = 3);

// Records every command; answers from `answer` (default: exit 0, no output).
class FakeRunner final : public node::CommandRunner {
  public:
    std::function<node::CommandResult(const node::Command&)> answer;
    std::vector<std::vector<std::string>> calls;

    Result<node::CommandResult> run(const node::Command& command,
                                    const node::LineSink& on_line) override;
};

// A runner whose `k3s kubectl get --raw=/readyz` answers ok (healthy) or fails.
void answer_readyz(FakeRunner& runner, bool healthy);

}  // namespace bundle::test
