# nodeconf/: /etc/bundle/node.yaml's one definition, its writer and its reader, below both
# render/ (which fills it from cluster.yaml) and node/ (which reads it on the node).
bundle_subsystem(nodeconf nodeconf/node_config.cpp nodeconf/emit.cpp nodeconf/parse.cpp)
target_link_libraries(bundle_nodeconf PUBLIC bundle_spec bundle_hash yaml-cpp)
