// Housekeeping of the agent's directory (state.h) once an install has completed: every new
// bundle leaves about a gigabyte in bundles/ and as much again in releases/, and a VPS disk does
// not hold many. What stays:
//
//   the installed bundle (state.json's "installed") and the one installed before it
//   ("previous"), each as bundles/<file> and releases/<version>-<sha>/; and whatever `current`
//   points at, whatever the state says.
//
// Everything else in bundles/ and releases/ goes (older releases, a bundle whose install never
// completed, temporaries of killed runs), and so does incoming/<file> for each bundle file
// removed (the bootstrap's copy shares the inode: without it the space is not freed). Called only
// after the health phase, so a failed install of a new bundle removes nothing. Removal goes
// through directory descriptors and never follows a link (a link is removed, not its target).
#pragma once

#include "core/error.h"
#include "node/log.h"
#include "node/state.h"

namespace bundle::node {

// Removes what `state` no longer needs, saying each removal in the journal. When the previous
// bundle's file name is unknown (a state written before it was recorded), bundles/ is left as
// it is, and said so.
Status prune_releases(const StateDir& dir, const InstallState& state, Log& log);

}  // namespace bundle::node
