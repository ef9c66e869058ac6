# Static checks of deploy/ and of docs/configuration.md: each tests/deploy/*_test.sh reads the
# files and the built binary (its --help, its options reference, its shared libraries) and needs
# no server. Label `deploy`: scripts/test.sh -L deploy.
file(GLOB PGEXPORT_DEPLOY_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/deploy/*_test.sh)
foreach(script ${PGEXPORT_DEPLOY_SCRIPTS})
  get_filename_component(name ${script} NAME_WE)
  string(REGEX REPLACE "_test$" "" name ${name})
  add_test(NAME deploy.${name} COMMAND bash ${script})
  set_tests_properties(deploy.${name} PROPERTIES
    LABELS deploy
    ENVIRONMENT "PGEXPORT_BIN=$<TARGET_FILE:pgexport>;PGEXPORT_SOURCE_DIR=${CMAKE_SOURCE_DIR};PGEXPORT_TEST_WORK=${CMAKE_BINARY_DIR}/deploy/${name}")
endforeach()
