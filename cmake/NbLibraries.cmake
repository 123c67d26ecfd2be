# How the project's static libraries are declared, so each CMakeLists.txt lists
# only its sources and what it links.

# nb_installed_library(<target> <export-name> <sources>...): a library installed
# for other projects (notify-broker::<export-name>, libnotify-broker-<export-name>.a)
# with its public headers under include/.
function(nb_installed_library target export_name)
    add_library(${target} STATIC ${ARGN})
    add_library(notify-broker::${export_name} ALIAS ${target})
    set_target_properties(${target} PROPERTIES
        OUTPUT_NAME notify-broker-${export_name} EXPORT_NAME ${export_name})
    target_include_directories(${target} PUBLIC
        $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
        $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_compile_features(${target} PUBLIC cxx_std_20)
    install(TARGETS ${target} EXPORT notify-broker-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(DIRECTORY include/nb DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# nb_daemon_library(<target> <sources>... LINKS <targets>... [PRIVATE_LINKS <targets>...]):
# the library of one daemon folder. Its one include root is daemon/, so every
# include names its folder ("base/logger.hpp"); LINKS (public) are the targets
# whose headers it includes, as the layer rule allows (tools/check-includes).
function(nb_daemon_library target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "LINKS;PRIVATE_LINKS")
    add_library(${target} STATIC ${arg_UNPARSED_ARGUMENTS})
    string(REGEX REPLACE "^nb_" "" short_name ${target})
    add_library(nb::${short_name} ALIAS ${target})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/daemon)
    target_link_libraries(${target}
        PUBLIC ${arg_LINKS}
        PRIVATE ${arg_PRIVATE_LINKS} nb::defaults)
endfunction()
