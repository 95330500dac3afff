# Run after every portable link of `bundle` (portable.cmake), as
#   cmake -DBINARY=F -DREADELF=R -DALLOWED=a.so.1,b.so.2 -DGLIBC_MAX=2.35 -P check.cmake
# Fails, naming the library or the symbols, when F needs a shared library outside ALLOWED or a
# glibc symbol version above GLIBC_MAX: either would keep it from starting on a stock node.
cmake_minimum_required(VERSION 3.25)
foreach(var BINARY READELF ALLOWED GLIBC_MAX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check.cmake: ${var} is not set")
  endif()
endforeach()
string(REPLACE "," ";" allowed "${ALLOWED}")

execute_process(COMMAND ${READELF} --wide --dynamic --dyn-syms ${BINARY}
                OUTPUT_VARIABLE elf RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${READELF} could not read ${BINARY}")
endif()

set(problems "")
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]\n]+\\]" needed_lines "${elf}")
foreach(line ${needed_lines})
  string(REGEX REPLACE ".*\\[([^]]+)\\]" "\\1" library "${line}")
  if(NOT library IN_LIST allowed)
    string(APPEND problems "\n  needs ${library}, not on portable.cmake's list of what a stock "
                           "Debian 12 or Ubuntu 24.04 carries: link it statically or stop using it")
  endif()
endforeach()

string(REGEX MATCHALL "[A-Za-z0-9_.]+@GLIBC_[0-9.]+" symbols "${elf}")
list(REMOVE_DUPLICATES symbols)
foreach(symbol ${symbols})
  string(REGEX REPLACE ".*@GLIBC_" "" version "${symbol}")
  if(version VERSION_GREATER GLIBC_MAX)
    string(APPEND problems "\n  ${symbol} is newer than glibc ${GLIBC_MAX}: avoid it or wrap it "
                           "as builder/portable/arc4random.cpp does")
  endif()
endforeach()

if(problems)
  message(FATAL_ERROR "${BINARY} would not start on every supported node:${problems}")
endif()
