# Installation and CPack: `cmake --install` or `cpack -G DEB` in the build directory give
# lamina, lamina-cli (+ its engine module), the demo model, a .desktop entry, the icon and
# AppStream metainfo.
include(GNUInstallDirs)
if(LAMINA_BUILD_GUI)
    install(FILES ${CMAKE_CURRENT_LIST_DIR}/lamina.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${CMAKE_CURRENT_LIST_DIR}/lamina.svg
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
    install(FILES ${CMAKE_CURRENT_LIST_DIR}/io.github.lamina.Lamina.metainfo.xml
            DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
endif()

set(CPACK_PACKAGE_NAME "lamina")
set(CPACK_PACKAGE_VENDOR "Lamina")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Lamina developers")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libtorch links the libblas.so.3 alternative, which on a fresh Debian is the reference BLAS
# (float32 GEMM measured 1.9 vs 128+ GFLOP/s): depend on an optimised one, whose alternative
# outranks it (OpenBLAS priority 95 vs 10). configureRuntime() warns if the reference one wins.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp | libopenblas0-pthread | libblis4-openmp | libblis4-pthread")
# Ship stripped binaries (the RelWithDebInfo `lamina` is 84 MB with its debug info); package
# from the release preset: cmake --preset release && cmake --build --preset release &&
# (cd build/release && cpack -G DEB).
set(CPACK_STRIP_FILES ON)
include(CPack)

if(LAMINA_BUILD_TESTS AND LAMINA_BUILD_GUI)
    add_test(NAME test_install COMMAND ${CMAKE_COMMAND} -DBUILD=${CMAKE_BINARY_DIR}
             -DPREFIX=${CMAKE_BINARY_DIR}/install-check -P ${CMAKE_CURRENT_LIST_DIR}/check_install.cmake)
    set_tests_properties(test_install PROPERTIES LABELS unit)
endif()
