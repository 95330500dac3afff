bundle_tests(nodeconf SOURCES nodeconf/node_config_test.cpp LIBS bundle_nodeconf)
