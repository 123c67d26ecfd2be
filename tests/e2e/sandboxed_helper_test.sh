#!/usr/bin/env bash
# Scenario 4: the sandboxed helper (example-sandboxed-helper.service:
# DynamicUser, PrivateNetwork, PrivateUsers, no NotifyAccess, an empty /run
# with only the broker's socket bound in) counts in the pool: the broker is
# ready only with it, and shows it gone when it dies.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_pool 2 "--start-delay 0.2 --ping 1"
nb_enable_unit example-sandboxed-helper.service
# The helper is ready last, so the broker's READY=1 depends on it.
nb_worker_args "--start-delay 1.5 --ping 1" example-sandboxed-helper.service
nb_pool_config 2 <<'TOML'
[[group]]
name = "helpers"
expect = 1
match = ["helper"]
TOML
nb_boot

nb_start_taking_at_least 1400 "without waiting for the helper"
sb_expect_prop_matches notify-brokerd.service StatusText '^3/3 workers ready' 2

# It really is sandboxed as the unit says, and unable to talk to systemd.
sb_expect_prop example-sandboxed-helper.service DynamicUser yes
sb_expect_prop example-sandboxed-helper.service PrivateNetwork yes
sb_expect_prop example-sandboxed-helper.service NotifyAccess none
helper_pid=$(sb_prop example-sandboxed-helper.service MainPID)
sb_in nsenter -t "$helper_pid" -m test ! -e /run/systemd/notify ||
    sb_fail "the helper can see systemd's notify socket"
sb_in nsenter -t "$helper_pid" -m test -S /run/broker.sock ||
    sb_fail "the broker's socket is not bound into the helper's sandbox"
[[ $(sb_in stat -c %u "/proc/$helper_pid") != 0 ]] || sb_fail "the helper runs as root"
nb_broker_log | grep -E 'helper' | head -n 5 || true

sb_systemctl kill -s SIGKILL example-sandboxed-helper.service
sb_expect_prop_matches notify-brokerd.service StatusText '^2/3 workers ready.*helper' 1
sb_expect_prop_matches notify-brokerd.service StatusText '^3/3 workers ready' 10
nb_broker_log | tail -n 6
