#!/usr/bin/env bash
# The timed part of tests/bench/pid1/run, executed INSIDE the sandbox (sb_in):
# there /proc/1 is systemd, systemctl talks to it over its private socket, and
# no nsenter sits in the measured paths. Prints key=value lines.
#
#   inner.sh flood UNIT COUNT PROCS PAYLOAD [probe]
#       starts UNIT (an nb-bench-flood unit) and waits for its flood to end;
#       without "probe": PID 1's CPU from the start until its queue is worked
#       off; with "probe": latencies of systemctl during the flood
#   inner.sh probes N        N idle probes (systemctl show, systemctl start)
set -euo pipefail

run=/run/nb-bench
mkdir -p "$run"

now_us() { printf '%s' "${EPOCHREALTIME//[.,]/}"; }
# CPU time (ns) of a process: the first field of schedstat (sum_exec_runtime).
cpu_ns() { read -r ns _ <"/proc/$1/schedstat" && printf '%s' "$ns"; }

# One probe of each kind; prints "show US" and "start US" ("... timeout" when
# systemctl gave up: its 25 s D-Bus timeout, or ours of 60 s).
probe_once() {
    local unit=$1 t0 t1
    t0=$(now_us)
    if timeout 60 systemctl show -p StatusText --value "$unit" >/dev/null 2>&1; then
        t1=$(now_us)
        echo "show $((t1 - t0))"
    else
        echo "show timeout"
    fi
    t0=$(now_us)
    if timeout 60 systemctl start nb-bench-probe.service >/dev/null 2>&1; then
        t1=$(now_us)
        echo "start $((t1 - t0))"
    else
        echo "start timeout"
    fi
}

# Prints p50 and p99 (ms) and the count of the samples of one kind.
percentiles() {
    local kind=$1 file=$2
    grep "^$kind " "$file" | awk '$2 == "timeout" { t++; next } { print $2 }' | sort -n |
        awk -v kind="$kind" -v timeouts="$(grep -c "^$kind timeout" "$file" || true)" '
            { v[NR] = $1 }
            END {
                if (NR == 0) { printf "%s_p50_ms=-\n%s_p99_ms=-\n", kind, kind }
                else {
                    i50 = int(0.50 * NR + 0.5); if (i50 < 1) i50 = 1
                    i99 = int(0.99 * NR + 0.5); if (i99 < 1) i99 = 1; if (i99 > NR) i99 = NR
                    printf "%s_p50_ms=%.1f\n%s_p99_ms=%.1f\n", kind, v[i50] / 1000, kind, v[i99] / 1000
                }
                printf "%s_n=%d\n%s_timeouts=%d\n", kind, NR, kind, timeouts
            }'
}

# Waits until process PID (1: systemd) has worked off its queue: the first
# 50 ms in which it used less than 1 ms of CPU. Prints the time (µs) at which
# that quiet window began.
wait_quiet() {
    local pid=$1 deadline=$(($(now_us) + 600000000)) prev now_cpu t prev_t
    prev=$(cpu_ns "$pid")
    prev_t=$(now_us)
    while :; do
        sleep 0.05
        now_cpu=$(cpu_ns "$pid")
        t=$(now_us)
        if ((now_cpu - prev < 1000000)); then
            printf '%s' "$prev_t"
            return 0
        fi
        ((t < deadline)) || {
            echo "inner: process $pid still busy 600 s after the flood" >&2
            return 1
        }
        prev=$now_cpu
        prev_t=$t
    done
}

flood() {
    local unit=$1 count=$2 procs=$3 payload=$4 mode=${5:-cpu}
    rm -f "$run/result" "$run/probes"
    printf 'COUNT=%s\nPROCS=%s\nPAYLOAD=%s\n' "$count" "$procs" "$payload" >"$run/flood.env"
    local broker_pid=0 broker0=0
    if systemctl -q is-active notify-brokerd.service; then
        broker_pid=$(systemctl show -p MainPID --value notify-brokerd.service)
        broker0=$(cpu_ns "$broker_pid")
    fi
    # The unit starts first and waits on the FIFO: PID 1's cost of starting
    # and stopping it is not part of the figure, only the flood is.
    rm -f "$run/go"
    mkfifo "$run/go"
    systemctl start "$unit"
    local main_pid cpu0 t0
    main_pid=$(systemctl show -p MainPID --value "$unit")
    cpu0=$(cpu_ns 1)
    t0=$(now_us)
    echo go >"$run/go"
    local deadline=$((t0 + 900000000))
    while [[ ! -s $run/result ]]; do
        if [[ $mode == probe ]]; then
            probe_once "$unit" >>"$run/probes"
        else
            sleep 0.01
        fi
        (($(now_us) < deadline)) || {
            echo "inner: $unit did not finish its flood within 900 s" >&2
            return 1
        }
        kill -0 "$main_pid" 2>/dev/null || {
            echo "inner: $unit stopped before its flood ended" >&2
            journalctl --no-pager -u "$unit" -n 20 >&2
            return 1
        }
    done
    local start end sent quiet cpu1
    read -r start end sent <"$run/result"
    quiet=$(wait_quiet 1)
    # PID 1's CPU is read once the broker, too, is quiet and one status
    # interval (500 ms) later, so the broker's trailing STATUS counts.
    ((broker_pid == 0)) || wait_quiet "$broker_pid" >/dev/null
    sleep 0.6
    cpu1=$(cpu_ns 1)
    echo "sent=$sent"
    echo "flood_s=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e6 }')"
    echo "rate=$(awk -v s="$start" -v e="$end" -v n="$sent" 'BEGIN { printf "%.0f", n * 1e6 / (e - s) }')"
    echo "drain_ms=$(awk -v e="$end" -v q="$quiet" 'BEGIN { d = (q - e) / 1000; printf "%.0f", d < 0 ? 0 : d }')"
    echo "pid1_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')"
    echo "pid1_cpu_per_datagram_us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$sent" 'BEGIN { printf "%.2f", (b - a) / 1e3 / n }')"
    if ((broker_pid > 0)); then
        local broker1
        broker1=$(cpu_ns "$broker_pid")
        echo "broker_cpu_s=$(awk -v a="$broker0" -v b="$broker1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')"
        echo "broker_cpu_per_datagram_us=$(awk -v a="$broker0" -v b="$broker1" -v n="$sent" 'BEGIN { printf "%.2f", (b - a) / 1e3 / n }')"
    fi
    echo "status_text=$(systemctl show -p StatusText --value "$unit")"
    if [[ $mode == probe ]]; then
        percentiles show "$run/probes"
        percentiles start "$run/probes"
    fi
    systemctl stop "$unit"
}

probes() {
    local n=$1 i
    rm -f "$run/probes"
    for ((i = 0; i < n; i++)); do
        probe_once nb-bench-probe.service >>"$run/probes"
    done
    percentiles show "$run/probes"
    percentiles start "$run/probes"
}

case $1 in
flood) shift; flood "$@" ;;
probes) shift; probes "$@" ;;
*) echo "inner.sh: flood|probes" >&2; exit 2 ;;
esac
