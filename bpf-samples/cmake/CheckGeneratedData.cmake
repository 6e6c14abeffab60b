# cmake -DPCAPGEN=<sluice-pcapgen> -DSRC=<bpf-samples dir> -DWORK=<scratch dir>
#       -P CheckGeneratedData.cmake
# Regenerates every pcap and map-init file into WORK and fails unless each
# one equals the committed file in SRC, and no generated file is missing
# from SRC or committed without being generated.
cmake_minimum_required(VERSION 3.25)

foreach(v PCAPGEN SRC WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "CheckGeneratedData.cmake: -D${v}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/pcaps)
execute_process(COMMAND ${PCAPGEN} --out ${WORK}/pcaps --maps-out ${WORK} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sluice-pcapgen failed (${rc})")
endif()

file(GLOB generated RELATIVE ${WORK} ${WORK}/pcaps/*.pcap ${WORK}/*.maps.json)
file(GLOB committed RELATIVE ${SRC} ${SRC}/pcaps/*.pcap ${SRC}/*.maps.json)
set(bad)
foreach(f IN LISTS generated)
  if(NOT EXISTS ${SRC}/${f})
    list(APPEND bad "${f}: generated but not committed")
    continue()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK}/${f} ${SRC}/${f}
                  RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    list(APPEND bad "${f}: differs from a fresh generation")
  endif()
endforeach()
foreach(f IN LISTS committed)
  if(NOT f IN_LIST generated)
    list(APPEND bad "${f}: committed but no longer generated")
  endif()
endforeach()
if(bad)
  list(JOIN bad "\n  " msg)
  message(FATAL_ERROR "bpf-samples data out of date (run: ninja bpf-samples-regen):\n  ${msg}")
endif()
list(LENGTH generated n)
message(STATUS "bpf-samples: ${n} generated files match the committed ones")
