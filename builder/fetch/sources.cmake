bundle_subsystem(fetch
  fetch/curl_setup.cpp fetch/http.cpp fetch/mirror.cpp fetch/cache.cpp fetch/downloader.cpp
  fetch/transfer.cpp fetch/progress.cpp)
target_link_libraries(bundle_fetch PUBLIC bundle_hash bundle_core CURL::libcurl PkgConfig::XXHASH
  nlohmann_json::nlohmann_json)
