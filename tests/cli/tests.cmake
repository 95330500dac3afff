add_test(NAME "cli: end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/cli_test.sh $<TARGET_FILE:bundle>)
add_test(NAME "cli: fetching end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/fetch_cli_test.sh $<TARGET_FILE:bundle>)
add_test(NAME "cli: cluster user-data end to end" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/user_data_cli_test.sh $<TARGET_FILE:bundle>)
add_test(NAME "cli: shipped default through a loopback mirror" COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/default_image_test.sh $<TARGET_FILE:bundle>)
