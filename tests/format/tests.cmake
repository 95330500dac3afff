bundle_tests(format SOURCES format/security_test.cpp format/crafted_bundle.cpp format/scene.cpp LIBS bundle_format)
