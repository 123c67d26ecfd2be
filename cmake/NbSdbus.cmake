# sdbus-c++: which major version this build is against picks the one
# implementation file of the seam (proto/dbus/include/nb/dbus/sdbus_seam.hpp):
# sdbus_seam_sdbus1.cpp for 1.x (Debian 12: 1.2), sdbus_seam_sdbus2.cpp for 2.x
# (Debian 13: 2.1). Sets NB_SDBUS_MAJOR ("" when sdbus-c++ is absent).
find_package(sdbus-c++ QUIET GLOBAL)
set(NB_SDBUS_MAJOR "")
if(TARGET SDBusCpp::sdbus-c++)
    string(REGEX MATCH "^[0-9]+" NB_SDBUS_MAJOR "${sdbus-c++_VERSION}")
    if(NOT NB_SDBUS_MAJOR MATCHES "^[12]$")
        message(FATAL_ERROR "sdbus-c++ ${sdbus-c++_VERSION} found: the seam knows 1.x and 2.x "
                            "(proto/dbus/sdbus_seam_sdbus<major>.cpp)")
    endif()
    message(STATUS "sdbus-c++ ${sdbus-c++_VERSION}: seam sdbus_seam_sdbus${NB_SDBUS_MAJOR}.cpp")
endif()
