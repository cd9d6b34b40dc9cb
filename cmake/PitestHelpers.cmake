# One helper per component kind: unit tests, integration scripts, fuzzers.

find_program(PITEST_VALGRIND valgrind)

# pitest_add_unit_test(NAME SOURCES... [LIBS libs...])
# A cmocka test linked against the same library as the program.
function(pitest_add_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE pitest_core PkgConfig::CMOCKA ${T_LIBS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT 120)
  # The same test under valgrind (not with sanitizers: they don't mix).
  if(PITEST_VALGRIND AND NOT PITEST_SANITIZE)
    add_test(NAME ${name}_memcheck COMMAND ${PITEST_VALGRIND} --quiet --error-exitcode=99
             --leak-check=full --errors-for-leak-kinds=definite,indirect $<TARGET_FILE:${name}>)
    set_tests_properties(${name}_memcheck PROPERTIES LABELS "memcheck" TIMEOUT 600)
  endif()
endfunction()

# pitest_add_script_test(NAME SCRIPT [LABELS l...] [TIMEOUT s])
# An integration test driven by a shell script; it gets the build dir and the
# pitest binary in its environment. Scripts exit 77 to report "skipped".
function(pitest_add_script_test name script)
  cmake_parse_arguments(T "" "TIMEOUT" "LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND bash ${script})
  set_tests_properties(${name} PROPERTIES
    LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77
    ENVIRONMENT "PITEST_BIN=$<TARGET_FILE:pitest>;PITEST_BUILD_DIR=${CMAKE_BINARY_DIR};PITEST_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# pitest_add_fuzzer(NAME SOURCE CORPUS_DIR)
# With PITEST_FUZZ (clang), a libFuzzer binary. Always, a replay binary that
# runs every file of the seed corpus through the same entry, registered with
# ctest under the fuzz-replay label.
function(pitest_add_fuzzer name source corpus)
  add_executable(${name}_replay ${source} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.c)
  target_link_libraries(${name}_replay PRIVATE pitest_core)
  target_include_directories(${name}_replay PRIVATE ${CMAKE_SOURCE_DIR})
  add_test(NAME ${name}_replay COMMAND ${name}_replay ${corpus})
  set_tests_properties(${name}_replay PROPERTIES LABELS "fuzz-replay" TIMEOUT 300)
  if(PITEST_FUZZ)
    add_executable(${name} ${source})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE pitest_core)
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})
  endif()
endfunction()
