# peer/: what the node agents say to each other: the bootstrap protocol (who initialises, who
# joins whom), the agent's HTTP server on the mesh (`bundle node serve`: the bundle with ranges,
# the node's state, authenticated removal of a stale etcd member) and its client.
bundle_subsystem(peer
  peer/protocol.cpp peer/report_json.cpp peer/removal_auth.cpp peer/nonce_store.cpp
  peer/http_parse.cpp peer/http_server.cpp peer/byte_range.cpp peer/bundle_files.cpp
  peer/local_state.cpp peer/member_removal.cpp peer/service.cpp peer/client.cpp peer/negotiate.cpp peer/role_decider.cpp)
target_link_libraries(bundle_peer PUBLIC bundle_node bundle_fetch bundle_hash bundle_core OpenSSL::Crypto
  nlohmann_json::nlohmann_json)
if(BUNDLE_SANITIZE)
  # GCC's -fsanitize=undefined leaves float-to-integer overflow out ("not enabled by
  # -fsanitize=undefined", GCC's manual): the peer server converts numbers from requests, so its
  # test build traps such a conversion too (issue 12, point 13).
  target_compile_options(bundle_peer PRIVATE -fsanitize=float-cast-overflow)
endif()
