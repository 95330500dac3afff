// The JSON of GET /v1/state, both ways:
//
//   {"cluster": "prod", "node": "node-2", "state": "member", "healthy": true,
//    "settings_digest": "sha256:<hex>", "bundle": {"file": "ovh-ha3-7.bundle", "version": 7},
//    "joining": false, "detail": "K3s phase done (joined); /readyz answers ok"}
//
// `joining` (protocol.h, "One join at a time") is optional when read: an older agent does not
// send it.
//
// `detail` is for a person reading the answer with curl; decide() never looks at it. A parser
// reads what it knows and ignores other keys, so a newer agent can add some; a missing or
// mistyped known key makes the whole answer unusable (the peer then counts as unreachable).
#pragma once

#include <string>

#include "core/error.h"
#include "peer/protocol.h"

namespace bundle::peer {

std::string report_to_json(const PeerReport& report, const std::string& detail);

// `where` names the peer in the error.
Result<PeerReport> parse_report(const std::string& body, const std::string& where);

}  // namespace bundle::peer
