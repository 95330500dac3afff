// Starting K3s so that the install never waits on systemd, and always runs what it installed.
//
// k3s.service, as K3s's install.sh writes it, is `Type=notify` with `TimeoutStartSec=0`
// (install.sh, create_systemd_service_file): `systemctl start|restart k3s` returns only once K3s
// says READY=1, which a joining server that cannot reach its peer never does, so a blocking call
// would hang the install past every timeout. And install.sh starts K3s only when the binary, the
// unit or its environment file changed while it ran (service_enable_and_start: "No change
// detected so skipping service start"); 20-airgap.sh replaces the binary before it runs, so an
// upgrade would leave the old binary running. Hence 40-install.sh runs install.sh with
// INSTALL_K3S_SKIP_START=true and the agent starts K3s itself, here.
//
// The files K3s reads when it starts (its binary, its unit and environment file, its config.yaml,
// the token file and the files config.yaml names) are recorded by digest in
// /var/lib/bundle/k3s-started.sha256 each time K3s is (re)started. When any differs from the
// record (or there is none), K3s is restarted; otherwise it is started, which does nothing to a
// running unit. Either way with `--no-block`: the caller then waits on /readyz with its own
// timeout. The record is written after systemctl accepted the job, so a crash in between
// restarts K3s again on the rerun rather than never.
#pragma once

#include "node/phase.h"

namespace bundle::node {

// The record of what K3s last started with, under the root.
inline constexpr char kK3sStartedRecord[] = "/var/lib/bundle/k3s-started.sha256";

// (Re)starts k3s.service as described above, without waiting for K3s to be ready, and says in
// the journal why it restarted it.
Status start_k3s_no_wait(Context& ctx);

}  // namespace bundle::node
