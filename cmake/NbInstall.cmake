# Installs the client library (headers, static libraries, a CMake package giving
# notify-broker::client, a pkg-config file). The binaries and units install
# themselves from their own folders.
include(CMakePackageConfigHelpers)

set(NB_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/notify-broker")

install(EXPORT notify-broker-targets
    NAMESPACE notify-broker::
    DESTINATION "${NB_CMAKE_DIR}")

configure_package_config_file(
    "${CMAKE_CURRENT_LIST_DIR}/notify-broker-config.cmake.in"
    "${CMAKE_CURRENT_BINARY_DIR}/notify-broker-config.cmake"
    INSTALL_DESTINATION "${NB_CMAKE_DIR}")
write_basic_package_version_file(
    "${CMAKE_CURRENT_BINARY_DIR}/notify-broker-config-version.cmake"
    COMPATIBILITY SameMajorVersion)
install(FILES
    "${CMAKE_CURRENT_BINARY_DIR}/notify-broker-config.cmake"
    "${CMAKE_CURRENT_BINARY_DIR}/notify-broker-config-version.cmake"
    DESTINATION "${NB_CMAKE_DIR}")

# The .pc file finds the prefix relative to itself, so an installed tree can
# be moved (or installed with `cmake --install --prefix`) and still work.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    set(NB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
    set(NB_PC_PREFIX "\${pcfiledir}")
    string(REPLACE "/" ";" nb_pc_parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
    foreach(nb_part IN LISTS nb_pc_parts)
        string(APPEND NB_PC_PREFIX "/..")
    endforeach()
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/notify-broker-client.pc.in"
    "${CMAKE_CURRENT_BINARY_DIR}/notify-broker-client.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/notify-broker-client.pc"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
