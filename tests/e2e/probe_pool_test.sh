#!/usr/bin/env bash
# Issue 15 (A.4): a unit running a plain HTTP server that knows nothing of
# sd_notify (python3 -m http.server) counts in a pool of three once its port
# answers the broker's http probe. SIGSTOP on it: the probe times out, the
# worker is late, and the broker stops WATCHDOG=1 (here watchdog_trigger:
# WATCHDOG=trigger, so systemd acts at once and restarts the broker);
# SIGCONT: the pool is whole again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

port=18081
nb_prepare_units
nb_enable_workers 2
nb_worker_args "--start-delay 0.2 --ping 0.5"
nb_broker_watchdog 20s
# TCP and HTTP probes need the network the shipped unit takes away
# (PrivateNetwork=yes, AF_UNIX only): the README's drop-in, loopback only.
nb_dropin notify-brokerd.service 30-e2e-probes <<'EOF2'
[Service]
PrivateNetwork=no
IPAddressDeny=any
IPAddressAllow=localhost
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
EOF2
mkdir -p "$SB_UNITS/legacy-http.service.d"
printf '[Unit]\nDefaultDependencies=no\n' >"$SB_UNITS/legacy-http.service.d/00-e2e-sandbox.conf"
cat >"$SB_UNITS/legacy-http.service" <<EOF2
[Unit]
Description=A legacy HTTP service that cannot speak sd_notify
[Service]
Type=simple
ExecStart=/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory /usr/share $port
EOF2
nb_config <<EOF2
[broker]
log_level = "debug"
status_interval = "100ms"
watchdog_trigger = true
[dbus]
bus = "none"
[[group]]
name = "web"
expect = 3
match = ["web-*", "legacy-*"]
watchdog = "3s"
[[probe]]
unit = "legacy-http.service"
kind = "http"
url = "http://127.0.0.1:$port/"
interval = "300ms"
timeout = "500ms"
failure_threshold = 2
EOF2
nb_boot

sb_systemctl start legacy-http.service
sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^3/3 workers ready' 10
sb_log "pool whole with the probed unit: $(sb_prop notify-brokerd.service StatusText)"
sb_expect_prop notify-brokerd.service NRestarts 0

t0=$(sb_now)
sb_systemctl kill -s SIGSTOP legacy-http.service
sb_expect_prop_matches notify-brokerd.service NRestarts '^[1-9]' 15
sb_log "the stopped server made the broker trigger its watchdog after $(nb_ms_since "$t0") ms"
grep -Eq 'notify-brokerd.service: Watchdog (timeout|request)' "$SB_WORK/pid1.log" ||
    sb_fail "systemd did not log a watchdog timeout for the broker"
broker_log=$(nb_broker_log)
[[ $broker_log == *"worker legacy-http.service is late"* ]] ||
    sb_fail "the broker did not log the probed worker late"

sb_systemctl kill -s SIGCONT legacy-http.service
sb_expect_prop notify-brokerd.service ActiveState active 20
sb_expect_prop_matches notify-brokerd.service StatusText '^3/3 workers ready' 20
sb_log "after SIGCONT: $(sb_prop notify-brokerd.service StatusText)"
nb_broker_log | tail -n 15
