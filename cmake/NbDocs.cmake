# Man pages (man/*.scd, rendered to roff by scdoc at build time) and shell
# completion (completions/), installed; their tests (label unit).
#
#   NB_BUILD_DOCS=OFF             no man pages (and no scdoc needed)
#   NB_BASH_COMPLETION_DIR        default: bash-completion's completionsdir
#                                 (pkg-config) for its prefix, else
#                                 share/bash-completion/completions
#   NB_ZSH_COMPLETION_DIR         default: share/zsh/site-functions (Debian's
#                                 package sets share/zsh/vendor-completions)
#
# Included after units/, whose nb_install_dir() it reuses.
option(NB_BUILD_DOCS "Build and install the man pages (needs scdoc)" ON)

set(NB_MAN_PAGES
    notify-broker.1
    notify-brokerd.8
    notify-brokerd.toml.5
    org.notifybroker.Broker1.5)
set(NB_MAN_BUILD_DIR "${PROJECT_BINARY_DIR}/man")

if(NB_BUILD_DOCS)
    find_program(NB_SCDOC scdoc)
    if(NOT NB_SCDOC)
        message(FATAL_ERROR "scdoc renders the man pages: apt-get install scdoc, or configure with -DNB_BUILD_DOCS=OFF")
    endif()
    set(nb_man_outputs)
    foreach(page IN LISTS NB_MAN_PAGES)
        set(source "${PROJECT_SOURCE_DIR}/man/${page}.scd")
        set(output "${NB_MAN_BUILD_DIR}/${page}")
        add_custom_command(OUTPUT "${output}"
            COMMAND "${CMAKE_COMMAND}" -E make_directory "${NB_MAN_BUILD_DIR}"
            COMMAND sh -c "\"$1\" < \"$2\" > \"$3\"" scdoc "${NB_SCDOC}" "${source}" "${output}"
            DEPENDS "${source}"
            COMMENT "scdoc ${page}"
            VERBATIM)
        list(APPEND nb_man_outputs "${output}")
        string(REGEX MATCH "[0-9]$" section "${page}")
        install(FILES "${output}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
    endforeach()
    add_custom_target(nb_man_pages ALL DEPENDS ${nb_man_outputs})
endif()

nb_install_dir(NB_BASH_COMPLETION_DIR bash-completion completionsdir
    "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" "bash completion scripts")
set(NB_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/site-functions" CACHE STRING
    "zsh completion functions (a folder of zsh's fpath)")
foreach(command IN ITEMS notify-broker notify-brokerd)
    install(FILES "${PROJECT_SOURCE_DIR}/completions/${command}.bash" RENAME "${command}"
        DESTINATION "${NB_BASH_COMPLETION_DIR_RESOLVED}")
    install(FILES "${PROJECT_SOURCE_DIR}/completions/_${command}"
        DESTINATION "${NB_ZSH_COMPLETION_DIR}")
endforeach()

if(NB_BUILD_TESTS)
    find_program(NB_BASH bash REQUIRED)
    set(nb_docs_tests "${PROJECT_SOURCE_DIR}/tests/unit/docs")
    add_test(NAME docs.bash_completion_offers_commands_options_and_their_values
        COMMAND "${NB_BASH}" "${nb_docs_tests}/bash_completion_test.sh" "${PROJECT_SOURCE_DIR}/completions")
    add_test(NAME docs.zsh_completion_functions_parse
        COMMAND "${NB_BASH}" -c "for f in \"$1\"/_*; do zsh -n \"$f\" || exit 1; done" zsh
            "${PROJECT_SOURCE_DIR}/completions")
    set_tests_properties(docs.bash_completion_offers_commands_options_and_their_values
        docs.zsh_completion_functions_parse PROPERTIES LABELS unit TIMEOUT 60)
    if(NB_BUILD_DOCS)
        add_test(NAME docs.every_man_page_renders_without_a_warning
            COMMAND "${NB_BASH}" "${nb_docs_tests}/man_pages_test.sh" "${NB_MAN_BUILD_DIR}" ${NB_MAN_PAGES})
        # The pages and completions against the facts' other sources: each
        # option of the built commands' --help, each key of the annotated
        # config and its default from `notify-brokerd --check-config`.
        set(nb_facts_args --source "${PROJECT_SOURCE_DIR}")
        if(TARGET notify-broker)
            list(APPEND nb_facts_args --cli "$<TARGET_FILE:notify-broker>")
        endif()
        if(TARGET notify-brokerd)
            list(APPEND nb_facts_args --daemon "$<TARGET_FILE:notify-brokerd>")
        endif()
        add_test(NAME docs.man_pages_and_completions_name_every_option_and_config_key
            COMMAND Python3::Interpreter "${nb_docs_tests}/docs_facts_test.py" ${nb_facts_args})
        set_tests_properties(docs.every_man_page_renders_without_a_warning
            docs.man_pages_and_completions_name_every_option_and_config_key
            PROPERTIES LABELS unit TIMEOUT 60)
    endif()
endif()

# The Debian package (debian/): built by .ci/deb (dpkg-buildpackage, then
# lintian: no E:, no W:), then installed into the e2e sandbox, where it runs the
# pool scenario with its own units and binaries. A full build of its own, so
# only with NB_PACKAGE_TESTS=ON (label package; CI: .ci/package). Needs no
# target of this build: a tree configured with -DNB_BUILD_DAEMON=OFF will do.
option(NB_PACKAGE_TESTS "Test the Debian package (builds it: dpkg-buildpackage)" OFF)
if(NB_BUILD_TESTS AND NB_PACKAGE_TESTS)
    set(nb_deb_dir "${PROJECT_BINARY_DIR}/deb")
    add_test(NAME package.debian_packages_build_and_lintian_reports_no_error_or_warning
        COMMAND "${NB_BASH}" "${PROJECT_SOURCE_DIR}/.ci/deb" "${nb_deb_dir}")
    set_tests_properties(package.debian_packages_build_and_lintian_reports_no_error_or_warning
        PROPERTIES LABELS package TIMEOUT 3600 RUN_SERIAL ON FIXTURES_SETUP nb_debs)
    add_test(NAME e2e.installed_packages_run_the_pool_with_their_own_units_and_binaries
        COMMAND "${NB_BASH}" "${PROJECT_SOURCE_DIR}/tests/e2e/package_install_test.sh"
        WORKING_DIRECTORY "${PROJECT_BINARY_DIR}")
    set_tests_properties(e2e.installed_packages_run_the_pool_with_their_own_units_and_binaries
        PROPERTIES LABELS "e2e;package" TIMEOUT 300 RESOURCE_LOCK systemd_sandbox
        FIXTURES_REQUIRED nb_debs
        ENVIRONMENT "NB_SOURCE_DIR=${PROJECT_SOURCE_DIR};NB_DEB_DIR=${nb_deb_dir}")
endif()
