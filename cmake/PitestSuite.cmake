# Suites as ctest tests, with the lab's boards as ctest resources.
#
# pitest_add_suite(NAME <test> SUITE <name|file> LAB <lab.yaml>
#                  [BOARDS <n>|ALL] [LABELS <label>...] [TIMEOUT <s>] [ARGS <arg>...])
#
# Registers ctest test <test>: `pitest --suite SUITE --lab LAB -q` writing its
# JUnit report and its events (JSON Lines) to
# ${CMAKE_CURRENT_BINARY_DIR}/pitest-reports/<test>.{xml,events.jsonl}.
#   SUITE    a suite name (suites/NAME.yaml) or a file
#   LAB      the lab file; one lab per build tree (ctest takes one resource spec)
#   BOARDS   how many of the lab's boards the test needs at once (default ALL,
#            as `pitest` without --board). ctest gives the test that many
#            boards that no other test running at the same time has, and the
#            run drives only those: its cases run on the boards it got (a case
#            limited to other boards or models then has nothing to run on). So
#            give BOARDS 1 to suites that may run on any one board, and
#            `ctest -j N` spreads them over the lab. ALL counts the entries
#            under `boards:` in the lab file (a block list, one `- ` per board,
#            as in fixtures/labs/); give a number if that does not fit.
#   LABELS   ctest labels besides "pitest"
#   TIMEOUT  seconds (default 600)
#   ARGS     more pitest options, e.g. --case NAME, --time-scale 20, --repeat 5
#
# Each board is a ctest resource of type "boards" with one slot; the test gets
# RESOURCE_GROUPS "<n>,boards:1". The resource spec is generated from LAB with
# `pitest resources` into ${CMAKE_BINARY_DIR}/pitest-resources.json (at build
# time when this project builds pitest itself, else at configure time) and
# CTEST_RESOURCE_SPEC_FILE points at it, so a plain `ctest -j 2` in the build
# directory honours it (unless you set CTEST_RESOURCE_SPEC_FILE yourself, or
# pass --resource-spec-file). Without a spec ctest ignores RESOURCE_GROUPS and
# every test drives every board it needs.
#
# Variables read:
#   PITEST_EXECUTABLE      the pitest binary (default: the `pitest` target of
#                          this project, else `pitest` found on PATH)
#   PITEST_SUITE_LAUNCHER  a command put before pitest (a list), e.g. a wrapper
#                          that records the environment ctest gives the test

# Counts the `- ` items of the top-level `boards:` block list of a lab file.
function(_pitest_count_lab_boards lab out)
  file(STRINGS "${lab}" lines REGEX "^([A-Za-z_]|[ \t]*- )")
  set(in_boards FALSE)
  set(n 0)
  foreach(line IN LISTS lines)
    if(line MATCHES "^boards:[ \t]*(#.*)?$")
      set(in_boards TRUE)
    elseif(line MATCHES "^[A-Za-z_]")
      set(in_boards FALSE)
    elseif(in_boards)
      math(EXPR n "${n} + 1")
    endif()
  endforeach()
  set(${out} ${n} PARENT_SCOPE)
endfunction()

function(pitest_add_suite)
  cmake_parse_arguments(S "" "NAME;SUITE;LAB;BOARDS;TIMEOUT" "LABELS;ARGS" ${ARGN})
  foreach(required NAME SUITE LAB)
    if(NOT S_${required})
      message(FATAL_ERROR "pitest_add_suite: give ${required} (see cmake/PitestSuite.cmake)")
    endif()
  endforeach()
  if(S_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pitest_add_suite(${S_NAME}): unexpected arguments: ${S_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(lab "${S_LAB}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${lab}")
    message(FATAL_ERROR "pitest_add_suite(${S_NAME}): no lab file ${lab}")
  endif()
  if(NOT S_TIMEOUT)
    set(S_TIMEOUT 600)
  endif()

  if(NOT DEFINED S_BOARDS OR S_BOARDS STREQUAL "ALL")
    _pitest_count_lab_boards("${lab}" S_BOARDS)
    if(S_BOARDS EQUAL 0)
      message(FATAL_ERROR "pitest_add_suite(${S_NAME}): found no `- ` entries under `boards:` "
                          "in ${lab}; give BOARDS <n>")
    endif()
  elseif(NOT S_BOARDS MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "pitest_add_suite(${S_NAME}): BOARDS wants a number from 1 or ALL, got '${S_BOARDS}'")
  endif()

  # Which pitest: this project's own, or one installed.
  if(PITEST_EXECUTABLE)
    set(pitest "${PITEST_EXECUTABLE}")
  elseif(TARGET pitest)
    set(pitest "$<TARGET_FILE:pitest>")
  else()
    find_program(PITEST_FOUND_EXECUTABLE pitest)
    if(NOT PITEST_FOUND_EXECUTABLE)
      message(FATAL_ERROR "pitest_add_suite(${S_NAME}): no pitest binary: set PITEST_EXECUTABLE")
    endif()
    set(pitest "${PITEST_FOUND_EXECUTABLE}")
  endif()

  # One resource spec per build tree, made once from the one lab.
  set(spec "${CMAKE_BINARY_DIR}/pitest-resources.json")
  get_property(spec_lab GLOBAL PROPERTY PITEST_SUITE_LAB)
  if(spec_lab AND NOT spec_lab STREQUAL lab)
    message(FATAL_ERROR "pitest_add_suite(${S_NAME}): lab ${lab}, but this build tree's "
                        "resource spec is made from ${spec_lab}: ctest takes one spec, so "
                        "all suites of a build tree use one lab")
  endif()
  if(NOT spec_lab)
    set_property(GLOBAL PROPERTY PITEST_SUITE_LAB "${lab}")
    if(NOT PITEST_EXECUTABLE AND TARGET pitest)
      add_custom_command(OUTPUT "${spec}"
        COMMAND pitest resources --lab "${lab}" --output "${spec}"
        DEPENDS pitest "${lab}"
        COMMENT "ctest resource spec of ${lab}"
        VERBATIM)
      add_custom_target(pitest_resources ALL DEPENDS "${spec}")
    else()
      execute_process(COMMAND "${pitest}" resources --lab "${lab}" --output "${spec}"
                      RESULT_VARIABLE rc ERROR_VARIABLE err)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "pitest_add_suite(${S_NAME}): ${pitest} resources failed: ${err}")
      endif()
      # A changed lab must change the spec.
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${lab}")
    endif()
  endif()
  if(NOT DEFINED CTEST_RESOURCE_SPEC_FILE)
    # Written into this directory's CTestTestfile.cmake, where ctest reads it.
    set(CTEST_RESOURCE_SPEC_FILE "${spec}" PARENT_SCOPE)
  endif()

  set(out "${CMAKE_CURRENT_BINARY_DIR}/pitest-reports")
  file(MAKE_DIRECTORY "${out}")
  add_test(NAME ${S_NAME}
    COMMAND ${PITEST_SUITE_LAUNCHER} ${pitest} run --suite ${S_SUITE} --lab ${lab}
            --junit ${out}/${S_NAME}.xml --events ${out}/${S_NAME}.events.jsonl -q ${S_ARGS})
  set_tests_properties(${S_NAME} PROPERTIES
    LABELS "pitest;${S_LABELS}"
    TIMEOUT ${S_TIMEOUT}
    RESOURCE_GROUPS "${S_BOARDS},boards:1")
endfunction()
