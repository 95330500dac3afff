// What starts the bootstrap script (cloud-init/bootstrap.sh) on a node and what it reads: a
// systemd unit, restarted when the script fails and run again at every boot until the node
// agent has installed the node and disables it (so a node whose peers and sources were out of
// reach, or that was rebooted mid-install, keeps trying), and
// bootstrap.env, the script's settings as shell assignments with every value single-quoted.
#pragma once

#include <string>

#include "render/bundle_ref.h"
#include "spec/cluster.h"

namespace bundle::render {

inline constexpr char kBootstrapEnvPath[] = "/etc/bundle/bootstrap.env";
inline constexpr char kBootstrapPath[] = "/usr/local/lib/bundle/bootstrap.sh";
inline constexpr char kBootstrapUnit[] = "bundle-bootstrap.service";
inline constexpr char kBootstrapUnitPath[] = "/etc/systemd/system/bundle-bootstrap.service";
// The target whose .wants/ holds the unit while it is enabled (its [Install] WantedBy=).
inline constexpr char kBootstrapWantedBy[] = "multi-user.target";
inline constexpr char kBootstrapEnabledLink[] = "/etc/systemd/system/multi-user.target.wants/bundle-bootstrap.service";

std::string render_bootstrap_env(const spec::Cluster& cluster, const spec::Node& node, const BundleRef& bundle);
std::string render_bootstrap_unit();

// 'text' for a POSIX shell, with any ' closed, escaped and reopened.
std::string shell_quote(const std::string& text);

}  // namespace bundle::render
