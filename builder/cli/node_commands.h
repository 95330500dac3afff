// The `bundle node` subcommands that live outside cli/node.cpp: each adds itself to the `node`
// group that cli/node.cpp creates.
#pragma once

#include "cli/commands.h"

namespace bundle::cli {

// `bundle node serve` and `bundle node bootstrap` (cli/node_peer.cpp): the peer server on the
// mesh and the bootstrap decision.
void add_node_serve(CLI::App& node, Run& run);
void add_node_bootstrap(CLI::App& node, Run& run);

}  // namespace bundle::cli
