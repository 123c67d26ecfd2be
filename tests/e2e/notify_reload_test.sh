#!/usr/bin/env bash
# The reload the way the booted systemd wants it, with the unit text rendered
# for it (units/CMakeLists.txt, from the systemd version found at configure
# time). systemd >= 253: the unit is Type=notify-reload with ReloadSignal=SIGHUP,
# PID 1 sends the signal itself and the reload job succeeds only if the broker
# answers RELOADING=1 with a MONOTONIC_USEC= not older than the signal and then
# READY=1; 252: Type=notify with ExecReload=. Either way each state change is a
# datagram of its own (within one datagram READY=1 would beat RELOADING=1), and
# the fd store is bounded by $FDSTORE, which only the 252 rendering sets itself.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

monotonic_usec() { python3 -c 'import time; print(time.monotonic_ns() // 1000)'; }

nb_prepare_pool 2 "--start-delay 0.2 --ping 1"
nb_pool_config 2 </dev/null
version=$(sb_systemd_version)
[[ $version =~ ^[0-9]+$ ]] || sb_fail "cannot tell the booted systemd's version ('$version')"
unit=$SB_UNITS/notify-brokerd.service
sb_log "systemd $version; units rendered for ${NB_UNITS_SYSTEMD_VERSION:-?}"
for template in "$unit" "$SB_UNITS/notify-brokerd@.service"; do
    if ((version >= 253)); then
        grep -qx 'Type=notify-reload' "$template" || sb_fail "${template##*/} is not Type=notify-reload"
        grep -qx 'ReloadSignal=SIGHUP' "$template" || sb_fail "${template##*/} has no ReloadSignal=SIGHUP"
        ! grep -q '^ExecReload=' "$template" || sb_fail "${template##*/} still has an ExecReload="
    else
        grep -qx 'Type=notify' "$template" || sb_fail "${template##*/} is not Type=notify"
        grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$template" || sb_fail "${template##*/} has no ExecReload="
        ! grep -q '^ReloadSignal=' "$template" || sb_fail "${template##*/} has a ReloadSignal= systemd $version lacks"
    fi
    if ((version >= 254)); then
        ! grep -q '^Environment=FDSTORE=' "$template" ||
            sb_fail "${template##*/} sets FDSTORE= itself, systemd $version does that"
    else
        grep -qx 'Environment=FDSTORE=16' "$template" || sb_fail "${template##*/} lacks Environment=FDSTORE=16"
    fi
done
nb_boot

sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^2/2 workers ready' 2
broker_pid=$(sb_prop notify-brokerd.service MainPID)
nb_broker_log -o cat | grep -q 'fd store: on, 16 entries' ||
    sb_fail "the broker did not learn its fd store's size from \$FDSTORE"

before=$(monotonic_usec)
sb_systemctl reload notify-brokerd.service || sb_fail "systemctl reload failed"
sb_expect_prop notify-brokerd.service ActiveState active 5
sb_expect_prop notify-brokerd.service MainPID "$broker_pid"
sb_expect_prop notify-brokerd.service NRestarts 0
! grep -qi 'reload.*fail\|failed.*reload' "$SB_WORK/pid1.log" || sb_fail "systemd logged a failed reload"

# One datagram per "upstream:" line of the broker's debug log.
mapfile -t sent < <(nb_broker_log -o cat | sed -n 's/^.*upstream: //p')
reloading=-1
for i in "${!sent[@]}"; do
    if [[ " ${sent[i]} " == *' RELOADING=1 '* ]]; then
        reloading=$i
        break
    fi
done
((reloading >= 0)) || sb_fail "the broker sent no RELOADING=1"
datagram=${sent[reloading]}
sb_log "reload: ${sent[*]:reloading:2}"
[[ " $datagram " != *' READY=1 '* && " $datagram " != *' STOPPING=1 '* ]] ||
    sb_fail "RELOADING=1 shares a datagram with another state change: $datagram"
usec=$(sed -n 's/.*MONOTONIC_USEC=\([0-9]*\).*/\1/p' <<<"$datagram")
[[ -n $usec ]] || sb_fail "RELOADING=1 came without MONOTONIC_USEC=: $datagram"
((usec >= before)) || sb_fail "MONOTONIC_USEC=$usec is older than the reload request ($before)"
ready=-1
for ((i = reloading + 1; i < ${#sent[@]}; i++)); do
    if [[ " ${sent[i]} " == *' READY=1 '* ]]; then
        ready=$i
        break
    fi
done
((ready > reloading)) || sb_fail "no READY=1 after RELOADING=1"
[[ " ${sent[ready]} " != *' RELOADING=1 '* ]] || sb_fail "READY=1 shares a datagram with RELOADING=1"
# A second reload works the same: the state is back to running.
sb_systemctl reload notify-brokerd.service || sb_fail "the second systemctl reload failed"
sb_expect_prop notify-brokerd.service ActiveState active 5
(($(nb_broker_log -o cat | grep -c 'upstream: .*RELOADING=1') >= 2)) ||
    sb_fail "the second reload sent no RELOADING=1"
sb_systemctl stop notify-brokerd.service
sb_expect_prop notify-brokerd.service Result success
