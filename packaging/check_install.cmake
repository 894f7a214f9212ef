# `cmake --install` into PREFIX, then check that the installed tree is complete and that the
# installed lamina-cli finds its engine module and the installed demo model.
# Run by CTest (test_install): cmake -DBUILD=<build dir> -DPREFIX=<dir> -P check_install.cmake
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD}" --prefix "${PREFIX}"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
foreach(f bin/lamina bin/lamina-cli lib/lamina/liblamina-engine.so
          share/lamina/demo-model/config.json share/lamina/demo-model/NOTICE
          share/applications/lamina.desktop share/icons/hicolor/scalable/apps/lamina.svg
          share/metainfo/io.github.lamina.Lamina.metainfo.xml)
    if(NOT EXISTS "${PREFIX}/${f}")
        message(FATAL_ERROR "not installed: ${f}")
    endif()
endforeach()
# The engine is found next to the installed binary (bench loads it; 1 tiny batch).
execute_process(COMMAND "${PREFIX}/bin/lamina-cli" bench "${PREFIX}/share/lamina/demo-model"
                        --batch 1 --seq 8 --repeat 1 --gemm-size 64 --json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "tokens_per_second")
    message(FATAL_ERROR "installed lamina-cli bench failed (${rc}): ${err}")
endif()
message(STATUS "installed tree complete under ${PREFIX}")
