# The OCI registry client and layout writer. The registry tests start docker-registry (and the
# python fronts) on loopback and push with skopeo; the [containerd] test runs containerd as root.
bundle_tests(oci SOURCES
  oci/manifest_test.cpp oci/challenge_test.cpp oci/endpoint_test.cpp oci/credentials_test.cpp
  oci/registry_test.cpp oci/layout_test.cpp oci/containerd_test.cpp oci/scene.cpp
  LIBS bundle_oci PkgConfig::LIBARCHIVE)
target_compile_definitions(oci_tests PRIVATE BUNDLE_OCI_TEST_DIR="${CMAKE_CURRENT_SOURCE_DIR}/oci")
target_include_directories(oci_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/oci)
bundle_fuzz_target(oci_manifest LIBS bundle_oci)
