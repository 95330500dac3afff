# deliver/: the seed ISO and `bundle push`, end to end with real readers (xorriso, bsdtar,
# cloud-init) and a real sshd on loopback; the units of the library with Catch2.
add_test(NAME "deliver: seed ISO end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/deliver/image_test.sh $<TARGET_FILE:bundle>)
add_test(NAME "deliver: push over SSH end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/deliver/push_test.sh $<TARGET_FILE:bundle>)
bundle_tests(deliver SOURCES deliver/remote_scripts_test.cpp deliver/ssh_test.cpp deliver/defaults_test.cpp
  LIBS bundle_deliver)
# A bundle over 4 GiB in a seed image: about 8 GiB written, so only on request (ci/test -L slow).
add_executable(deliver_large_tests deliver/large_iso_test.cpp $<TARGET_OBJECTS:bundle_test_main>)
target_link_libraries(deliver_large_tests PRIVATE bundle_deliver bundle_test_support Catch2::Catch2)
add_test(NAME "deliver: a seed ISO with a bundle over 4 GiB" COMMAND deliver_large_tests)
set_tests_properties("deliver: a seed ISO with a bundle over 4 GiB" PROPERTIES LABELS slow TIMEOUT 3600)
