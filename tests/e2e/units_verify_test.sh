#!/usr/bin/env bash
# Every unit we install passes `systemd-analyze verify` without a single
# message (an unknown key is only a warning there; here it fails), and the
# broker's service stays hardened: its `systemd-analyze security` exposure is
# at most NB_MAX_EXPOSURE (default 2.0). Runs on the host: neither command
# starts anything.
#   units_verify_test.sh UNIT_FOLDER
set -euo pipefail
units=${1:?usage: units_verify_test.sh UNIT_FOLDER}
max_exposure=${NB_MAX_EXPOSURE:-2.0}

command -v systemd-analyze >/dev/null || {
    echo "FAIL: systemd-analyze is missing (apt-get install systemd)" >&2
    exit 1
}

files=()
for unit in "$units"/*.service "$units"/*.socket "$units"/*.target; do
    [[ -e $unit ]] && files+=("$unit")
done
((${#files[@]} >= 6)) || {
    echo "FAIL: expected at least 6 units in $units, found ${#files[@]}" >&2
    exit 1
}

status=0
for unit in "${files[@]}"; do
    # Templates are verified as an instance ("i") by systemd-analyze itself.
    if ! output=$(systemd-analyze verify --man=no --recursive-errors=no "$unit" 2>&1); then
        echo "FAIL: systemd-analyze verify ${unit##*/}:" >&2
        status=1
    elif [[ -n $output ]]; then
        echo "FAIL: systemd-analyze verify ${unit##*/} has warnings:" >&2
        status=1
    else
        echo "ok: verify ${unit##*/}"
    fi
    [[ -z $output ]] || printf '%s\n' "$output" >&2
done

# Rendered for this systemd (units/CMakeLists.txt): notify-reload from 253,
# Environment=FDSTORE= only before 254 (later systemd sets $FDSTORE itself).
version=$(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
for unit in notify-brokerd.service notify-brokerd@.service; do
    text=$(<"$units/$unit")
    if ((version >= 253)); then
        want_type=notify-reload want_reload='ReloadSignal=SIGHUP'
    else
        want_type=notify want_reload='ExecReload=/bin/kill -HUP $MAINPID'
    fi
    if ! grep -qx "Type=$want_type" <<<"$text" || ! grep -qxF "$want_reload" <<<"$text"; then
        echo "FAIL: $unit is not rendered for systemd $version (Type=$want_type, $want_reload)" >&2
        status=1
    elif ((version >= 254)) && grep -q '^Environment=FDSTORE=' <<<"$text"; then
        echo "FAIL: $unit sets FDSTORE= itself; systemd $version passes \$FDSTORE" >&2
        status=1
    elif ((version < 254)) && ! grep -qx 'Environment=FDSTORE=16' <<<"$text"; then
        echo "FAIL: $unit lacks Environment=FDSTORE=16 (systemd $version does not set \$FDSTORE)" >&2
        status=1
    else
        echo "ok: $unit rendered for systemd $version (Type=$want_type)"
    fi
done

for unit in notify-brokerd.service notify-brokerd@.service; do
    report=$(systemd-analyze security --offline=true --no-pager "$units/$unit" 2>&1) || true
    exposure=$(sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$report")
    if [[ -z $exposure ]]; then
        printf '%s\n' "$report" >&2
        echo "FAIL: no exposure level for $unit" >&2
        status=1
    elif awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e > m) }'; then
        grep '✗' <<<"$report" >&2 || true
        echo "FAIL: $unit exposure $exposure is above $max_exposure" >&2
        status=1
    else
        echo "ok: systemd-analyze security $unit: exposure $exposure (limit $max_exposure)"
    fi
done
exit "$status"
