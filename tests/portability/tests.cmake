# The node agent on a stock Debian 12 (issue 5, point 7): a portable Release `bundle`, built by the
# test itself in tests/portability/release (the test build is sanitized, so it cannot be that
# binary), its dynamic dependencies and glibc versions, then verify, extract and node install in a
# debootstrapped Debian 12 minbase cached in tests/portability/debootstrap. It needs the machine's
# apt source (the first time) and root, takes minutes on a first run, and so carries the label
# "debootstrap", which `ci/test` leaves out by default: run it with `ci/test -L debootstrap`.
# BUNDLE_PORTABLE_BUNDLE=path/to/bundle in the environment tests that binary instead of building one
# (ci/build-default's build/release/builder/bundle, the one images/ovh-ha3.yaml ships).
add_test(NAME "portability: the node agent on a stock Debian 12"
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/portability/portability_test.sh ${PROJECT_SOURCE_DIR}
          ${CMAKE_CURRENT_BINARY_DIR}/portability)
set_tests_properties("portability: the node agent on a stock Debian 12" PROPERTIES
  LABELS debootstrap SKIP_RETURN_CODE 77 TIMEOUT 3600 RUN_SERIAL ON)
