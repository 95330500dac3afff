# Portable linking of the `bundle` executable (BUNDLE_PORTABLE, on by default in Release builds).
#
# The node agent is this very binary: every bundle carries it as bin/bundle, and it runs at first
# boot on a stock Ubuntu 24.04 or Debian 12 cloud image with nothing added. So:
#  - what such an image does not carry is linked statically, from the archives of Debian's -dev
#    packages: the C++ runtime (libstdc++, libgcc), yaml-cpp, libarchive and xxHash. This is
#    done on the imported targets the subsystems link (yaml-cpp, PkgConfig::LIBARCHIVE,
#    PkgConfig::XXHASH), so whatever subsystem links them gets the static archive, and the
#    subsystems' own files do not change.
#  - what it does carry stays dynamic, so that the system's security updates reach it: glibc,
#    libcurl, OpenSSL, zlib, zstd, and the libraries libarchive's static archive calls (liblzma,
#    libbz2, liblz4, libacl, libnettle). `--as-needed` keeps only those the linked code uses; as
#    libarchive.a is an archive, only the formats and filters we call are linked at all.
#  - libxml2, which a minimal Debian 12 lacks, is left out on purpose: only libarchive's XAR
#    format uses it, and bundle does not. Debian's libarchive.a keeps every function in a section
#    of its own, but its pax writer calls a helper that sits beside archive_write_set_format()'s
#    table of every writer, XAR's included, so `--gc-sections` is what drops that table and with
#    it every call into libxml2 (and shrinks the binary). A change that calls a XAR, "all
#    formats", "by name" or "by code" function would fail to link with undefined xml* symbols:
#    call only the formats needed instead.
#  - nothing may need a glibc newer than 2.35 (Ubuntu 22.04's). Debian 12's glibc is 2.36, and
#    its libarchive.a and libstdc++.a call arc4random_buf and arc4random, new in 2.36: `--wrap`
#    sends those calls to arc4random.cpp, which keeps the same promise on getrandom (glibc 2.25).
#
# After every link, check.cmake reads the binary's NEEDED entries and glibc symbol versions and
# fails the build, naming the culprit, when a rule above is broken. tests/portability runs the
# result in a debootstrapped Debian 12 minbase with curl and CA certificates, where the list below
# was read (Ubuntu 24.04 kept these sonames through its 64-bit time_t renames: libcurl4t64,
# libssl3t64, libnettle8t64 ship libcurl.so.4, libssl.so.3, libnettle.so.8).
if(NOT BUNDLE_PORTABLE)
  return()
endif()
if(BUNDLE_SANITIZE OR BUNDLE_FUZZ)
  message(FATAL_ERROR "BUNDLE_PORTABLE is for release builds: the sanitizers and libFuzzer need "
                      "their dynamic runtimes (configure with -DBUNDLE_PORTABLE=OFF)")
endif()

# The sonames `bundle` may need: present in Debian 12 (minbase, curl, ca-certificates) and in
# Ubuntu 24.04's cloud image.
set(BUNDLE_PORTABLE_SYSTEM_LIBRARIES
  libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 ld-linux-x86-64.so.2 ld-linux-aarch64.so.1
  libcurl.so.4 libssl.so.3 libcrypto.so.3 libz.so.1 libzstd.so.1
  liblzma.so.5 libbz2.so.1.0 liblz4.so.1 libacl.so.1 libnettle.so.8)
set(BUNDLE_PORTABLE_GLIBC_MAX 2.35)

# bundle_static_archive(VAR NAME PACKAGE): the path of libNAME.a, or a configure error naming the
# Debian package that ships it.
function(bundle_static_archive var name package)
  find_library(BUNDLE_STATIC_${name} NAMES lib${name}.a)
  if(NOT BUNDLE_STATIC_${name})
    message(FATAL_ERROR "BUNDLE_PORTABLE links lib${name}.a statically; it is in Debian's "
                        "${package} (or configure with -DBUNDLE_PORTABLE=OFF)")
  endif()
  set(${var} ${BUNDLE_STATIC_${name}} PARENT_SCOPE)
endfunction()

bundle_static_archive(yaml_cpp_a yaml-cpp libyaml-cpp-dev)
bundle_static_archive(archive_a archive libarchive-dev)
bundle_static_archive(xxhash_a xxhash libxxhash-dev)

# yaml-cpp's CMake package declares a shared library: point every configuration at the archive.
get_target_property(yaml_cpp_configs yaml-cpp IMPORTED_CONFIGURATIONS)
set_property(TARGET yaml-cpp PROPERTY IMPORTED_LOCATION ${yaml_cpp_a})
if(yaml_cpp_configs)
  foreach(config ${yaml_cpp_configs})
    set_property(TARGET yaml-cpp PROPERTY IMPORTED_LOCATION_${config} ${yaml_cpp_a})
  endforeach()
endif()

set_property(TARGET PkgConfig::XXHASH PROPERTY INTERFACE_LINK_LIBRARIES ${xxhash_a})

# libarchive.a's own dependencies, from `pkg-config --static`: each one the system carries by its
# soname (-l:, so that no -dev package is needed for it); the others are left out (see above).
set(archive_links ${archive_a})
set(archive_left_out "")
foreach(dependency ${LIBARCHIVE_STATIC_LIBRARIES})
  if(dependency STREQUAL "archive")
    continue()
  endif()
  set(soname "")
  foreach(candidate ${BUNDLE_PORTABLE_SYSTEM_LIBRARIES})
    if(candidate MATCHES "^lib${dependency}\\.so\\.")
      set(soname ${candidate})
    endif()
  endforeach()
  if(soname)
    list(APPEND archive_links "-l:${soname}")
  else()
    list(APPEND archive_left_out ${dependency})
  endif()
endforeach()
set_property(TARGET PkgConfig::LIBARCHIVE PROPERTY INTERFACE_LINK_LIBRARIES ${archive_links})
message(STATUS "bundle: portable link (static C++ runtime, yaml-cpp, libarchive, xxHash; "
               "libarchive's ${archive_left_out} left out)")

target_sources(bundle PRIVATE ${CMAKE_CURRENT_LIST_DIR}/arc4random.cpp)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/arc4random.cpp PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
target_link_options(bundle PRIVATE -static-libstdc++ -static-libgcc LINKER:--as-needed
                    LINKER:--gc-sections LINKER:--wrap=arc4random LINKER:--wrap=arc4random_buf)

find_program(BUNDLE_READELF NAMES readelf REQUIRED)
string(JOIN "," allowed ${BUNDLE_PORTABLE_SYSTEM_LIBRARIES})
add_custom_command(TARGET bundle POST_BUILD
  COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:bundle> -DREADELF=${BUNDLE_READELF}
          -DALLOWED=${allowed} -DGLIBC_MAX=${BUNDLE_PORTABLE_GLIBC_MAX}
          -P ${CMAKE_CURRENT_LIST_DIR}/check.cmake
  VERBATIM)
