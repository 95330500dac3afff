# peer/: the bootstrap protocol, the agent's server and client (unit tests), and the three-agent
# scenarios (separate processes on 127.0.0.1-3 with a K3s stand-in).
bundle_tests(peer SOURCES peer/fixture.cpp peer/protocol_test.cpp peer/removal_auth_test.cpp
  peer/byte_range_test.cpp peer/service_test.cpp peer/http_server_test.cpp peer/negotiate_test.cpp
  LIBS bundle_peer)
add_test(NAME "peer: three agents, bootstrap scenarios"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/peer/scenarios.sh $<TARGET_FILE:bundle>)
set_tests_properties("peer: three agents, bootstrap scenarios" PROPERTIES TIMEOUT 120)
