#include "peer/role_decider.h"

namespace bundle::peer {

node::RoleDecider role_decider(NegotiateOptions options) {
    return [options](const node::NodeConfig& config, node::Log& log) -> Result<node::JoinPlan> {
        auto role = negotiate_role(config, options,
                                   [&log](const std::string& line) { log.say("k3s", line); });
        if (!role)
            return std::move(role).error();
        node::JoinPlan plan;
        plan.init = role->kind == Role::Kind::init;
        plan.address = role->join_address;
        plan.node = role->join_node;
        plan.forced = role->forced;
        return plan;
    };
}

}  // namespace bundle::peer
