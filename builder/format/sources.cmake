bundle_subsystem(format
  format/member_path.cpp format/tar_header.cpp format/index.cpp format/layout.cpp
  format/signature.cpp format/writer.cpp format/reader.cpp format/verify.cpp
  format/extract.cpp format/inspect.cpp)
target_link_libraries(bundle_format PUBLIC bundle_sign bundle_core nlohmann_json::nlohmann_json)
