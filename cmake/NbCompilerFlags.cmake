# Warnings and sanitizers as INTERFACE targets (ccache style): every target of the
# project links nb::warnings; nb::sanitizers is empty unless NB_SANITIZE is on.

add_library(nb_warnings INTERFACE)
add_library(nb::warnings ALIAS nb_warnings)
target_compile_options(nb_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference
    -Wformat=2 -Wimplicit-fallthrough
    $<$<BOOL:${NB_WERROR}>:-Werror>)

add_library(nb_sanitizers INTERFACE)
add_library(nb::sanitizers ALIAS nb_sanitizers)
if(NB_SANITIZE)
    target_compile_options(nb_sanitizers INTERFACE
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(nb_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# Everything the project builds links both.
add_library(nb_defaults INTERFACE)
add_library(nb::defaults ALIAS nb_defaults)
target_link_libraries(nb_defaults INTERFACE nb_warnings nb_sanitizers)
target_compile_features(nb_defaults INTERFACE cxx_std_20)
