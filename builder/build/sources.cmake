bundle_subsystem(build build/sources.cpp build/build.cpp)
target_link_libraries(bundle_build PUBLIC bundle_format bundle_spec)
