bundle_subsystem(oci
  oci/manifest.cpp oci/platform.cpp oci/challenge.cpp oci/credentials.cpp oci/endpoint.cpp
  oci/session.cpp oci/registry.cpp oci/layout.cpp)
target_link_libraries(bundle_oci PUBLIC bundle_fetch bundle_spec PkgConfig::LIBARCHIVE nlohmann_json::nlohmann_json)
