bundle_tests(node SOURCES node/node_config_test.cpp node/command_test.cpp node/preflight_test.cpp
  node/status_test.cpp node/old_database_test.cpp node/wireguard_peers_test.cpp LIBS bundle_node)
add_test(NAME "node: install whole against a root, with stand-ins" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/node/install_test.sh $<TARGET_FILE:bundle> ${PROJECT_SOURCE_DIR})
add_test(NAME "node: the GitOps deploy key reaches Argo CD as its repository Secret" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/node/gitops_key_test.sh $<TARGET_FILE:bundle> ${PROJECT_SOURCE_DIR})
add_test(NAME "node: housekeeping: preflight, old releases, the bootstrap unit" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/node/housekeeping_test.sh $<TARGET_FILE:bundle> ${PROJECT_SOURCE_DIR})
add_test(NAME "node: the K3s phase against K3s's and systemd's behaviour, with stand-ins" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/node/k3s_phase_test.sh $<TARGET_FILE:bundle> ${PROJECT_SOURCE_DIR})
add_test(NAME "node: the mesh applied for real when its files change, with stand-ins" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/node/mesh_test.sh $<TARGET_FILE:bundle> ${PROJECT_SOURCE_DIR})
add_test(NAME "node: a one-node cluster end to end, with stand-ins" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/node/one_node_test.sh $<TARGET_FILE:bundle> ${PROJECT_SOURCE_DIR})
