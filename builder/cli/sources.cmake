# The command line: one file per subcommand, each only turns flags into an options struct.
add_executable(bundle
  cli/main.cpp cli/exit_codes.cpp cli/progress.cpp cli/process.cpp
  cli/init.cpp cli/cloud_init.cpp cli/keygen.cpp cli/lock.cpp cli/fetch.cpp cli/mirror.cpp cli/fetch_flags.cpp cli/build.cpp cli/verify.cpp cli/extract.cpp cli/inspect.cpp
  cli/node.cpp cli/node_peer.cpp cli/image.cpp cli/push.cpp)
target_include_directories(bundle PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(bundle PRIVATE bundle_build bundle_render bundle_format CLI11::CLI11)
# The node agent (node/), its peer protocol (peer/) and delivery without a panel (deliver/).
foreach(lib bundle_node bundle_peer bundle_deliver)
  if(TARGET ${lib})
    target_link_libraries(bundle PRIVATE ${lib})
  endif()
endforeach()
# CLI11 is header-only: compiled once as a precompiled header instead of in every subcommand's file.
target_precompile_headers(bundle PRIVATE <CLI/CLI.hpp>)
target_compile_definitions(bundle PRIVATE BUNDLE_VERSION="${PROJECT_VERSION}")
