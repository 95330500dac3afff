bundle_tests(spec SOURCES spec/image_test.cpp spec/yaml_error_test.cpp LIBS bundle_spec)
