# The fuzz harnesses, listed once. Included by tests/fuzz/CMakeLists.txt (the
# clang + libFuzzer build, EVICTLAB_FUZZ_MODE=fuzz) and by tests/CMakeLists.txt
# (the normal build, EVICTLAB_FUZZ_MODE=replay: each harness with
# replay_main.cc, one ctest test replaying regressions/<harness>/).
#
#   evictlab_fuzz_harness(NAME SOURCE LIBS [DEFINES])
# LIBS: what the code under test needs; only the replayer needs libtorch.
set(EVICTLAB_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(EVICTLAB_FUZZ_HARNESSES "")

function(evictlab_fuzz_harness name source libs)
  set(defines ${ARGN})
  if(EVICTLAB_FUZZ_MODE STREQUAL "fuzz")
    set(target fuzz_${name})
    add_executable(${target} ${EVICTLAB_FUZZ_DIR}/${source})
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  else()
    set(target fuzz_${name}_replay)
    add_executable(${target} ${EVICTLAB_FUZZ_DIR}/${source}
                             ${EVICTLAB_FUZZ_DIR}/replay_main.cc)
    add_test(NAME fuzz.${name}.regressions
             COMMAND ${target} ${EVICTLAB_FUZZ_DIR}/regressions/${name})
  endif()
  target_link_libraries(${target} PRIVATE ${libs})
  target_include_directories(${target} PRIVATE ${EVICTLAB_FUZZ_DIR}/../..)
  target_compile_definitions(${target} PRIVATE ${defines})
  set(EVICTLAB_FUZZ_HARNESSES ${EVICTLAB_FUZZ_HARNESSES} ${name} PARENT_SCOPE)
endfunction()

evictlab_fuzz_harness(golden_replay golden_replay_fuzzer.cc evictlab::evictlab)
evictlab_fuzz_harness(trace_oraclegeneral trace_fuzzer.cc evictlab::core
                      EVICTLAB_FUZZ_FORMAT=kOracleGeneral)
evictlab_fuzz_harness(trace_vscsi trace_fuzzer.cc evictlab::core
                      EVICTLAB_FUZZ_FORMAT=kVscsi)
evictlab_fuzz_harness(trace_csv trace_fuzzer.cc evictlab::core
                      EVICTLAB_FUZZ_FORMAT=kCsv)
evictlab_fuzz_harness(trace_txt trace_fuzzer.cc evictlab::core
                      EVICTLAB_FUZZ_FORMAT=kTxt)
evictlab_fuzz_harness(cache_sizes cache_sizes_fuzzer.cc evictlab::core)
evictlab_fuzz_harness(param param_fuzzer.cc evictlab::core)
evictlab_fuzz_harness(ops ops_fuzzer.cc evictlab::core)
evictlab_fuzz_harness(trace_mooncake mooncake_fuzzer.cc evictlab::core)
