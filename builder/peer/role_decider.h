// The install's bootstrap decision (node::RoleDecider, node/install.h) through the peer
// protocol: negotiate_role() with the install's root, each line logged under the "k3s" phase.
//
// The install calls it only while state.json records no role, and sets the old database aside
// itself after stopping K3s, so the options it passes should have clear_database off. A
// forced initialisation comes from the marker `bundle node bootstrap --force-init` leaves.
#pragma once

#include "node/install.h"
#include "peer/negotiate.h"

namespace bundle::peer {

node::RoleDecider role_decider(NegotiateOptions options);

}  // namespace bundle::peer
