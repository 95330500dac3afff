# Fuzz targets. In the ordinary (GCC, sanitized) build each is linked with standalone_main.cpp and
# runs its corpus plus a few seconds of random mutations as a CTest test. With
# -DBUNDLE_FUZZ=ON and clang (ci/fuzz) they are linked with libFuzzer instead.
function(bundle_fuzz_target name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  add_executable(${name}_fuzz fuzz/${name}_fuzz.cpp)
  target_link_libraries(${name}_fuzz PRIVATE ${F_LIBS})
  if(BUNDLE_FUZZ)
    target_compile_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${name}_fuzz PRIVATE fuzz/standalone_main.cpp)
    add_test(NAME "fuzz: ${name} (corpus and 3 s of mutations)"
             COMMAND ${name}_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name} 3)
  endif()
endfunction()

bundle_fuzz_target(index LIBS bundle_format)
bundle_fuzz_target(lock LIBS bundle_spec)
bundle_fuzz_target(cluster LIBS bundle_spec)
