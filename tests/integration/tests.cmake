# Integration tests: each tests/integration/*_test.sh drives the built pgexport against the
# PostgreSQL (PG* variables) and S3 server (AWS_* and PGEXPORT_TEST_* variables) that
# scripts/test.sh starts. A script exits 77 to report "skipped" (a server it needs is absent).
# The sample database is loaded once, by a fixture, into the database `pgexport_sample`.
add_test(NAME integration.load_sample_database
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/load_sample_database.sh)
set_tests_properties(integration.load_sample_database PROPERTIES
  FIXTURES_SETUP sample_database LABELS integration SKIP_RETURN_CODE 77
  ENVIRONMENT "PGEXPORT_SOURCE_DIR=${CMAKE_SOURCE_DIR}")

file(GLOB PGEXPORT_INTEGRATION_SCRIPTS CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tests/integration/*_test.sh)
foreach(script ${PGEXPORT_INTEGRATION_SCRIPTS})
  get_filename_component(name ${script} NAME_WE)
  string(REGEX REPLACE "_test$" "" name ${name})
  add_test(NAME integration.${name} COMMAND bash ${script})
  set_tests_properties(integration.${name} PROPERTIES
    FIXTURES_REQUIRED sample_database
    # The tests load exports back into the sample database (schema roundtrip): one at a time.
    RESOURCE_LOCK sample_database
    LABELS integration
    SKIP_RETURN_CODE 77
    ENVIRONMENT "PGEXPORT_BIN=$<TARGET_FILE:pgexport>;PGEXPORT_SOURCE_DIR=${CMAKE_SOURCE_DIR};PGEXPORT_TEST_WORK=${CMAKE_BINARY_DIR}/integration/${name}")
endforeach()

# Huge values: exports of a 256 MiB text, a 128 MiB bytea and 1,600 columns, each checked for
# peak RSS by GNU time; about 4 minutes on a loaded 2-core machine, and about 1.5 GB of memory at
# its peak, so it runs alone.
set_tests_properties(integration.huge_values PROPERTIES TIMEOUT 900 RUN_SERIAL TRUE)

# Formatting is part of the build's contract: every C++ file matches .clang-format.
find_program(CLANG_FORMAT clang-format)
if(CLANG_FORMAT)
  add_test(NAME lint.clang_format
           COMMAND bash -c "cd '${CMAKE_SOURCE_DIR}' && git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' bench/*.cpp | xargs '${CLANG_FORMAT}' --dry-run --Werror")
  set_tests_properties(lint.clang_format PROPERTIES LABELS lint)
endif()
