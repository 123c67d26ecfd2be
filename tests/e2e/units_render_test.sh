#!/usr/bin/env bash
# The units are rendered for the target systemd: NB_SYSTEMD_VERSION (else the
# version pkg-config finds) picks Type=notify-reload + ReloadSignal=SIGHUP from
# 253 on, Type=notify + ExecReload= before; Environment=FDSTORE=16 only before
# 254 (later systemd passes $FDSTORE itself). Configures the project's units
# alone (no daemon, no tests) into a temporary folder for each version.
#   units_render_test.sh SOURCE_DIR CMAKE
set -euo pipefail
source_dir=${1:?usage: units_render_test.sh SOURCE_DIR CMAKE}
cmake=${2:-cmake}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

render() { # VERSION -> folder of the installed rendering
    local dir=$work/$1
    "$cmake" -S "$source_dir" -B "$dir" -DNB_SYSTEMD_VERSION="$1" -DNB_BUILD_DAEMON=OFF \
        -DNB_BUILD_TESTS=OFF -DNB_BUILD_BENCHMARKS=OFF -DNB_BUILD_FUZZERS=OFF >"$work/$1.log" 2>&1 ||
        { cat "$work/$1.log" >&2; fail "configure for systemd $1"; return 1; }
    grep -q "units: rendered for systemd $1" "$work/$1.log" || fail "configure did not say systemd $1"
    echo "$dir/units/install"
}

for version in 252 253 254 257 258; do
    dir=$(render "$version") || continue
    for unit in notify-brokerd.service notify-brokerd@.service; do
        text=$(<"$dir/$unit")
        if ((version >= 253)); then
            grep -qx 'Type=notify-reload' <<<"$text" || fail "$version $unit: not Type=notify-reload"
            grep -qx 'ReloadSignal=SIGHUP' <<<"$text" || fail "$version $unit: no ReloadSignal=SIGHUP"
            ! grep -q '^ExecReload=' <<<"$text" || fail "$version $unit: an ExecReload="
            grep -qx 'NotifyAccess=main' <<<"$text" || fail "$version $unit: not NotifyAccess=main"
        else
            grep -qx 'Type=notify' <<<"$text" || fail "$version $unit: not Type=notify"
            grep -qxF 'ExecReload=/bin/kill -HUP $MAINPID' <<<"$text" || fail "$version $unit: no ExecReload="
            # RELOADING=1 before the signal, so the job waits for the broker's READY=1.
            grep -qxF 'ExecReload=/usr/bin/systemd-notify RELOADING=1' <<<"$text" ||
                fail "$version $unit: no ExecReload= saying RELOADING=1 first"
            grep -qx 'NotifyAccess=exec' <<<"$text" || fail "$version $unit: not NotifyAccess=exec"
            ! grep -q '^ReloadSignal=' <<<"$text" || fail "$version $unit: a ReloadSignal="
        fi
        if ((version >= 254)); then
            ! grep -q '^Environment=FDSTORE=' <<<"$text" || fail "$version $unit: sets FDSTORE itself"
        else
            grep -qx 'Environment=FDSTORE=16' <<<"$text" || fail "$version $unit: no Environment=FDSTORE=16"
        fi
        ! grep -q '@NB_' <<<"$text" || fail "$version $unit: an unrendered @NB_...@"
    done
    ((status == 0)) && echo "ok: units rendered for systemd $version"
done
"$cmake" -S "$source_dir" -B "$work/bad" -DNB_SYSTEMD_VERSION=two-fifty -DNB_BUILD_DAEMON=OFF \
    -DNB_BUILD_TESTS=OFF -DNB_BUILD_BENCHMARKS=OFF >"$work/bad.log" 2>&1 &&
    fail "NB_SYSTEMD_VERSION=two-fifty was accepted"
grep -q "is not a systemd major version" "$work/bad.log" || fail "no clear error for a bad NB_SYSTEMD_VERSION"
exit "$status"
