# CPack: `cpack -G DEB` in the build directory produces a Debian package with lamina,
# lamina-cli and the demo model. Desktop integration (.desktop, icon, AppStream) comes with the
# full GUI.
set(CPACK_PACKAGE_NAME "lamina")
set(CPACK_PACKAGE_VENDOR "Lamina")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Lamina developers")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-openmp")
include(CPack)
