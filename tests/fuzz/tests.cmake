# Fuzz targets (tests/fuzz/<name>_fuzz.cpp), each with the module it feeds untrusted bytes to.
# With -DPGEXPORT_FUZZ=ON (clang; scripts/fuzz.sh builds that way) a target links with
# libFuzzer to search for new inputs. Otherwise it links with the replay driver, and CTest runs
# it over its kept corpus (tests/fuzz/corpus/<name>/: seeds and every input that once crashed),
# so a bug the fuzzer found stays fixed.
option(PGEXPORT_FUZZ "link the fuzz targets with libFuzzer (needs clang)" OFF)
set(PGEXPORT_FUZZ_TARGETS
    copy_binary:pgexport_parquet copy_text:pgexport_format s3_xml:pgexport_s3
    config:pgexport_cli pgoutput:pgexport_pg)
foreach(entry ${PGEXPORT_FUZZ_TARGETS})
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 name)
  list(GET parts 1 module)
  set(target fuzz_${name})
  if(PGEXPORT_FUZZ)
    add_executable(${target} ${CMAKE_SOURCE_DIR}/tests/fuzz/${name}_fuzz.cpp)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${target} ${CMAKE_SOURCE_DIR}/tests/fuzz/${name}_fuzz.cpp
                             ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME fuzz.${name} COMMAND ${target} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS unit)
  endif()
  target_link_libraries(${target} PRIVATE ${module})
endforeach()
