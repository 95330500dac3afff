bundle_tests(fetch
  SOURCES fetch/servers.cpp fetch/mirror_test.cpp fetch/cache_test.cpp
    fetch/http_test.cpp fetch/downloader_test.cpp fetch/progress_test.cpp
  LIBS bundle_fetch)
target_compile_definitions(fetch_tests PRIVATE
  BUNDLE_FAULTY_SERVER="${CMAKE_CURRENT_SOURCE_DIR}/fetch/faulty_server.py")
target_include_directories(fetch_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fetch)

