bundle_subsystem(build build/sources.cpp build/build.cpp build/context.cpp build/resolve.cpp
  build/materials.cpp build/mirror.cpp build/completeness.cpp build/chart_values.cpp
  build/chart_images.cpp build/manifest_images.cpp build/yaml_values.cpp)
target_link_libraries(bundle_build PUBLIC bundle_format bundle_spec bundle_fetch bundle_oci)
