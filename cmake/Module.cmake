# estafeta_module(NAME SOURCES ... DEPS ... TESTS ...)
# A module is a static library named estafeta_NAME; its tests (foo_test.cpp
# beside foo.cpp) are linked into one GoogleTest binary per module.
function(estafeta_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(estafeta_${name} STATIC ${M_SOURCES})
  target_include_directories(estafeta_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(estafeta_${name} PUBLIC ${M_DEPS} PRIVATE estafeta_warnings)
  if(ESTAFETA_TESTS AND M_TESTS)
    add_executable(${name}_test ${M_TESTS})
    target_link_libraries(${name}_test PRIVATE estafeta_${name} ${M_TEST_DEPS} GTest::gtest_main GTest::gmock estafeta_warnings)
    add_test(NAME ${name}_test COMMAND ${name}_test)
    # Unit tests compute all the time: each counts for two of `make test`'s four.
    set_tests_properties(${name}_test PROPERTIES ENVIRONMENT "ESTAFETA_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp" PROCESSORS 2)
  endif()
endfunction()
