# node/: the node agent (`bundle node install|status`): its configuration, state and journal,
# the phases of an install and the one seam through which it runs outside programs.
bundle_subsystem(node node/node_config.cpp node/command.cpp node/state.cpp node/install_lock.cpp
  node/install.cpp node/obtain.cpp node/steps.cpp node/phases.cpp node/mesh.cpp node/gitops_secret.cpp
  node/status.cpp node/preflight.cpp node/releases.cpp node/old_database.cpp node/k3s_service.cpp node/file_hash.cpp
  node/wireguard_peers.cpp)
target_link_libraries(bundle_node PUBLIC bundle_render bundle_format bundle_spec nlohmann_json::nlohmann_json)
