#!/usr/bin/env bash
# Installs the build tree to a temporary prefix, then builds a consumer of the
# client library with find_package(notify-broker) and with pkg-config, and
# runs both against the installed `notify-broker listen`.
#   install_test.sh BUILD_DIR CONSUMER_SOURCE_DIR [EXTRA_CXX_FLAGS]
# EXTRA_CXX_FLAGS: what the installed static libraries need at link time beyond
# their own flags (the sanitizer runtime in an NB_SANITIZE build).
set -euo pipefail
build=$1
consumer=$2
extra_flags=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/notify-broker"

# 1. CMake package.
cmake -S "$consumer" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_FLAGS="$extra_flags" -DCMAKE_EXE_LINKER_FLAGS="$extra_flags" >/dev/null
cmake --build "$work/cmake-build" >/dev/null

# 2. pkg-config (the .pc file must work from wherever the prefix was installed).
pc_dir=$(dirname "$(find "$prefix" -name notify-broker-client.pc | head -n1)")
# shellcheck disable=SC2046,SC2086
c++ -std=c++20 $extra_flags -o "$work/pc-consumer" "$consumer/main.cpp" \
    $(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs notify-broker-client)

run_against_listener() {
    local program=$1 socket=$work/notify.sock
    exec 3< <("$prefix/bin/notify-broker" listen --socket="$socket" --count=2 2>&1)
    local line
    read -r -t 10 line <&3 # "Listening on ..." once bound
    [[ $line == "Listening on $socket" ]] || { echo "listener: $line" >&2; return 1; }
    local said
    said=$(NOTIFY_SOCKET=$socket "$program")
    [[ $said == sent ]] || { echo "$program: $said" >&2; return 1; }
    local printed
    printed=$(cat <&3)
    exec 3<&-
    grep -q ' READY=1$' <<<"$printed" || { echo "listener printed: $printed" >&2; return 1; }
    grep -q ' fds=1 BARRIER=1$' <<<"$printed"
    [[ $(env -u NOTIFY_SOCKET "$program") == unset ]]
}

run_against_listener "$work/cmake-build/consumer"
run_against_listener "$work/pc-consumer"
echo "install test passed"
