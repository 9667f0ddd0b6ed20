# Runs one libFuzzer target for the fuzz ctests (see CMakeLists.txt here):
#   cmake -DFUZZER=bin -DSEEDS=src/corpus/x -DWORK=build/dir -DSECONDS=40 [-DDICT=x.dict] -P run_fuzz.cmake
# The seeds are copied into WORK/corpus (new inputs land there, never in the
# source tree; it keeps growing across runs), crash/leak/timeout inputs are
# written to WORK/artifacts/, and any non-zero exit of the fuzzer fails.
foreach(v FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "run_fuzz.cmake: -D${v}= is required")
  endif()
endforeach()
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(GLOB seeds ${SEEDS}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${WORK}/corpus)
endif()
set(args -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix=${WORK}/artifacts/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
list(JOIN args " " shown)
message(STATUS "${FUZZER} ${shown} ${WORK}/corpus")
execute_process(COMMAND ${FUZZER} ${args} ${WORK}/corpus
                WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found ${WORK}/artifacts/*)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); inputs that reproduce it: ${found}")
endif()
