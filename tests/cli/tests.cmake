add_test(NAME "cli: end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_test.sh $<TARGET_FILE:bundle>)
add_test(NAME "cli: fetching end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/fetch_cli_test.sh $<TARGET_FILE:bundle>)
add_test(NAME "cli: cluster user-data end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/user_data_cli_test.sh $<TARGET_FILE:bundle>)
add_test(NAME "cli: shipped default through a loopback mirror" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/default_image_test.sh $<TARGET_FILE:bundle>)
# The command line's progress reporter (builder/cli/progress.cpp, built into the test: the
# command line is an executable, not a library).
bundle_tests(cli_progress SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli/progress_test.cpp
  ${PROJECT_SOURCE_DIR}/builder/cli/progress.cpp LIBS bundle_format)
target_include_directories(cli_progress_tests PRIVATE ${PROJECT_SOURCE_DIR}/builder)
