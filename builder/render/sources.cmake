# render/: user-data, node configuration and networkd files for each node of a cluster.
# The bootstrap script and the example cluster definition are compiled in from their files.
set(BUNDLE_EMBEDDED_FILES ${PROJECT_SOURCE_DIR}/cloud-init/bootstrap.sh
  ${PROJECT_SOURCE_DIR}/cloud-init/cluster.example.yaml)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${BUNDLE_EMBEDDED_FILES})
file(READ ${PROJECT_SOURCE_DIR}/cloud-init/bootstrap.sh BUNDLE_BOOTSTRAP_SCRIPT)
file(READ ${PROJECT_SOURCE_DIR}/cloud-init/cluster.example.yaml BUNDLE_CLUSTER_EXAMPLE)
foreach(text BUNDLE_BOOTSTRAP_SCRIPT BUNDLE_CLUSTER_EXAMPLE)
  string(FIND "${${text}}" ")bundle_embedded" found)
  if(NOT found EQUAL -1)
    message(FATAL_ERROR "an embedded file contains the raw string delimiter )bundle_embedded")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/render/embedded.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/render/embedded.cpp @ONLY)

find_package(ZLIB REQUIRED)
bundle_subsystem(render render/server_settings.cpp render/bundle_ref.cpp render/node_config.cpp
  render/networkd.cpp render/gzip.cpp render/bootstrap.cpp render/node_files.cpp render/user_data.cpp render/node_delivery.cpp render/write.cpp ${CMAKE_CURRENT_BINARY_DIR}/render/embedded.cpp)
target_link_libraries(bundle_render PUBLIC bundle_nodeconf bundle_spec bundle_format bundle_sign yaml-cpp ZLIB::ZLIB)
