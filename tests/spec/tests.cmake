bundle_tests(spec SOURCES spec/image_test.cpp spec/image_sources_test.cpp spec/yaml_error_test.cpp
  spec/reference_test.cpp spec/lock_test.cpp spec/lock_check_test.cpp spec/checksums_test.cpp spec/helm_index_test.cpp spec/shipped_image_test.cpp spec/image_completeness_test.cpp spec/cluster_test.cpp
  LIBS bundle_spec)
