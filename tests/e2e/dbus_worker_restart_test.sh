#!/usr/bin/env bash
# Issue 14, point 1, D-Bus half: a SIGKILLed broker gets its D-Bus worker
# back. The worker (User=nobody, python3-dbus, not PartOf= the broker) calls
# Ready once and then stays connected without a word (no pings in the test's
# time). After the SIGKILL the restarted broker takes it back from the fd
# store by its unique bus name, which the bus says still has an owner, and is
# "2/2 workers ready" within 5 s, NRestarts=1, the same process 10 s later;
# and it watches the name again: when the worker's connection goes, so does
# the worker.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_pool 1 "--start-delay 0.2 --ping 1"
nb_system_bus
nb_dbus_worker_unit --detached 3600
nb_broker_watchdog 2s
nb_pool_config 1 system < <(
    nb_group_toml dbus 1 'dbus-*'
    nb_allow_unit_toml 'example-worker@*.service' 'web-*'
    nb_allow_unit_toml dbus-worker.service 'dbus-*'
)
nb_boot
nb_start_system_bus

sb_systemctl start --no-block notify-brokerd.service
nb_expect_status '^2/2 workers ready' 10
worker_pid=$(sb_prop dbus-worker.service MainPID)
nb_wait_state_saved 2

nb_sigkill_broker
nb_expect_broker_back 5 '^2/2 workers ready' 'restor|D-Bus' \
    "the restarted broker did not get its D-Bus worker back within 5 s"
new_pid=$(sb_prop notify-brokerd.service MainPID)
sb_expect_prop dbus-worker.service MainPID "$worker_pid"
sb_expect_prop dbus-worker.service NRestarts 0
sb_journalctl -u dbus-worker.service -o cat | grep -c 'ready as dbus-1' | grep -qx 1 ||
    sb_fail "the D-Bus worker called Ready more than once"

nb_expect_broker_steady 10 '^2/2 workers ready' 1 "$new_pid"
# Watched for NameOwnerChanged again: its connection goes, so does the worker.
sb_systemctl kill -s SIGKILL dbus-worker.service
nb_expect_status '^1/2 workers ready' 3
nb_broker_log | tail -n 12
