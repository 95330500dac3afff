// A joining node's old K3s database is set aside, never deleted with what it holds.
//
// K3s refuses to rejoin a cluster with the database of a removed member (k3s #13498), so a join
// must start from an empty <root>/var/lib/rancher/k3s/server/db. But K3s keeps its etcd snapshots
// in server/db/snapshots unless `etcd-snapshot-dir` says otherwise (pkg/etcd/snapshot.go,
// snapshotDir), and after a disaster those may be the only copy of the cluster's data. So the old
// database is renamed, not removed:
//
//   server/db                         -> server/db.<UTC time, 20261204T183522Z>  (newest two kept)
//   server/db.<older>/snapshots,      -> server/snapshots/old-databases/db.<older>/ (never removed)
//   server/db.<older>/.metadata          when db.<older> is pruned, then the rest of it is removed
//
// server/snapshots/old-databases is outside the folder K3s itself prunes (its etcd-snapshot-dir,
// server/snapshots/etcd, which 10-config.sh sets: K3s's retention walks that folder only).
// Nothing here follows a symbolic link: a link in any of these places is renamed or removed as
// the link it is.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace bundle::node {

// How many set-aside databases are kept whole.
inline constexpr int kOldDatabasesKept = 2;

struct SetAside {
    bool moved = false;             // there was a database, and it is set aside now
    std::vector<std::string> said;  // what was done, one line per action, for the journal
};

// Moves <root>/var/lib/rancher/k3s/server/db aside as db.<stamp> (`stamp` from
// database_stamp(); a suffix -2, -3... when that name is taken), then prunes the set-aside
// databases beyond the newest kOldDatabasesKept as described above (also when there is no
// database now: a pruning a crash interrupted is finished).
Result<SetAside> set_database_aside(const std::string& root, const std::string& stamp);

// The current UTC time as set_database_aside names it: 20261204T183522Z (sorts as it ages).
std::string database_stamp();

}  // namespace bundle::node
