#!/usr/bin/env bash
# Scenario 5: restarts lose nothing. The broker is SIGKILLed while its four
# workers (and a probe) keep sending; systemd restarts it (Restart=on-failure).
# The .socket unit held the socket, so what was sent in the gap is processed
# after the restart; the pool's state came back from the fd store, so the
# pool is 4/4 again without any worker sending READY=1 again (the workers are
# not restarted: they are not PartOf= the broker here).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/broker.sh"

nb_prepare_units
# The example worker without PartOf=: a broker restart must not restart it.
worker_unit=steady-worker@.service
sed -e '/^PartOf=/d' \
    -e 's/^\(ExecStart=[^ ]* [^ ]*\) .*/\1 --start-delay 0.2 --ping 0.2/' \
    "$NB_UNITS_BUILD_DIR/example-worker@.service" >"$SB_UNITS/$worker_unit"
printf '[Unit]\nDefaultDependencies=no\n' | nb_dropin "$worker_unit" 00-e2e-sandbox
mkdir -p "$SB_UNITS/notify-brokerd.service.wants"
for i in 1 2 3 4; do
    ln -sf "../$worker_unit" "$SB_UNITS/notify-brokerd.service.wants/steady-worker@$i.service"
done
grep -q '^PartOf=' "$SB_UNITS/$worker_unit" && sb_fail "the test's worker unit is still PartOf= the broker"
# systemd >= 254 tells the broker about its fd store ($FDSTORE) itself; for
# 252 the unit says it (units/CMakeLists.txt renders it only then).
if (($(sb_systemd_version) < 254)); then
    grep -q '^Environment=FDSTORE=' "$SB_UNITS/notify-brokerd.service" ||
        sb_fail "notify-brokerd.service does not tell the broker about its fd store"
fi
nb_test_config none info <<'TOML'
[[group]]
name = "web"
expect = 4
match = ["web-*"]
watchdog = "5s"
[[group]]
name = "probes"
expect = 1
required = false
match = ["gap-*"]
TOML
export NB_E2E_EXTRA_PATHS="${NB_E2E_EXTRA_PATHS:-} $here/lib"
nb_boot
# While no broker reads it, the socket queues at most net.unix.max_dgram_qlen
# datagrams, then senders block (or get EAGAIN if non-blocking). A fresh
# network namespace starts at the kernel's 10; hosts run with 512 (this
# machine; systemd's sysctl.d/50-default.conf), so the sandbox's does too. It
# must be set before notify-brokerd.socket creates the socket.
nsenter -t "$SB_PID1" -n sh -c 'echo 512 >/proc/sys/net/unix/max_dgram_qlen' ||
    sb_fail "cannot set net.unix.max_dgram_qlen in the sandbox's network namespace"

sb_systemctl start notify-brokerd.service
nb_expect_status '^4/4 workers ready' 5
old_pid=$(sb_prop notify-brokerd.service MainPID)
declare -A worker_pids
for i in 1 2 3 4; do worker_pids[$i]=$(sb_prop "steady-worker@$i.service" MainPID); done

# The state with four ready workers is in systemd's fd store (PID 1 holds it).
nb_wait_state_saved 4
sb_wait_until 5 "a memfd nb-state in PID 1's fd store" \
    sb_in sh -c 'ls -l /proc/1/fd | grep -q "memfd:nb-state"'

# A probe sends 150 datagrams, 20 ms apart, across the restart, then a barrier.
sb_in systemd-run --quiet --unit=gap-probe --property=Type=exec --property=DefaultDependencies=no \
    --property=Environment=PYTHONUNBUFFERED=1 \
    /usr/bin/python3 "$(cd "$here/lib" && pwd)/gap_probe.py" /run/notify-broker/notify.sock 150 0.02 /run/gap-probe.out
sleep 0.5 # let the probe get going before the kill (its datagrams before the gap count too)

t_kill=$(sb_in python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)')
sb_systemctl kill -s SIGKILL --kill-who=main notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service NRestarts '^1$' 10
sb_expect_prop notify-brokerd.service ActiveState active 10
new_pid=$(sb_prop notify-brokerd.service MainPID)
[[ $new_pid != "$old_pid" ]] || sb_fail "the broker was not restarted"
t_ready=$(sb_prop notify-brokerd.service ActiveEnterTimestampMonotonic)
nb_expect_status '^4/4 workers ready' 1

# Workers untouched: same processes, never restarted, READY=1 sent once each.
for i in 1 2 3 4; do
    sb_expect_prop "steady-worker@$i.service" MainPID "${worker_pids[$i]}"
    sb_expect_prop "steady-worker@$i.service" NRestarts 0
done
sb_journalctl -u 'steady-worker@*' -o cat | grep -q 'cannot report' &&
    sb_fail "a worker could not send while the broker was down"
nb_broker_log -o cat | grep -q 'restored 5 workers from the fd store' ||
    sb_fail "the restarted broker did not restore the pool (4 workers and the probe)"

# The probe: everything it sent (some of it in the gap) was processed.
sb_wait_until 30 "the probe's barrier answered" sb_in test -s /run/gap-probe.out
probe=$(sb_in cat /run/gap-probe.out)
grep -q '^barrier [0-9]* ok$' <<<"$probe" || sb_fail "the probe's barrier was not answered: $(tail -n1 <<<"$probe")"
failed=$(awk '$1 != "barrier" && $3 != 0' <<<"$probe" | wc -l)
((failed == 0)) || sb_fail "$failed probe datagrams could not be sent"
in_gap=$(awk -v a="$t_kill" -v b="$t_ready" '$1 != "barrier" && $2 >= a && $2 <= b' <<<"$probe" | wc -l)
((in_gap > 0)) || sb_fail "no probe datagram was sent in the gap (kill $t_kill, ready $t_ready)"
nb_expect_status 'gap-probe.*seq 150' 2

gap_ms=$(((t_ready - t_kill) / 1000))
gap_seqs=$(awk -v a="$t_kill" -v b="$t_ready" '$1 != "barrier" && $2 >= a && $2 <= b {print $1}' <<<"$probe" | sed -n '1p;$p' | paste -sd-)
first_us=$(head -n1 <<<"$probe" | cut -d' ' -f2)
last_us=$(grep -v '^barrier' <<<"$probe" | tail -n1 | cut -d' ' -f2)
sb_log "probe: 150 datagrams from +$(((first_us - t_kill) / 1000)) ms to +$(((last_us - t_kill) / 1000)) ms of the kill; new broker started at +$((($(sb_prop notify-brokerd.service ExecMainStartTimestampMonotonic) - t_kill) / 1000)) ms, READY=1 at +$gap_ms ms"
sb_systemctl show -p NRestarts,StatusText notify-brokerd.service >&2
sb_log "gap (SIGKILL -> READY=1 of the new broker): $gap_ms ms; probe datagrams sent in the gap: $in_gap (seq $gap_seqs), all 150 processed (barrier answered, last STATUS seq 150)"

# Its own count of the restarted broker: nothing dropped.
sb_systemctl stop gap-probe.service notify-brokerd.service
# The journal may file the stopped broker's last line a moment after the stop.
summary_logged() { nb_broker_log -o cat | grep -q 'received [0-9]* datagrams'; }
sb_wait_until 10 "the stopped broker's summary line in the journal" summary_logged
summary=$(nb_broker_log -o cat | grep 'received [0-9]* datagrams' | tail -n1)
sb_log "restarted broker: $summary"
[[ $summary == *"dropped: none"* ]] || sb_fail "the restarted broker dropped datagrams: $summary"
nb_broker_log | tail -n 12
