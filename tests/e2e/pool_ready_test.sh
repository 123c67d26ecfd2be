#!/usr/bin/env bash
# Scenario 1: `systemctl start notify-brokerd.service` with four worker units
# (example-worker@1..4, DynamicUser, reporting to the broker's socket) blocks
# until all four are ready; systemd then shows the pool's status text and the
# broker active.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

# Workers become ready 1.5 s after they start, so "blocks until ready" shows.
nb_prepare_pool 4 "--start-delay 1.5 --ping 1"
nb_pool_config 4 <<<'watchdog = "5s"'
nb_boot

nb_start_taking_at_least 1400 "before the workers could be ready"

sb_expect_prop notify-brokerd.service ActiveState active
sb_expect_prop notify-brokerd.service SubState running
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready' 2
for i in 1 2 3 4; do
    sb_expect_prop "example-worker@$i.service" ActiveState active
done
nb_broker_log | tail -n 20
