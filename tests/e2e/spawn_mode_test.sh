#!/usr/bin/env bash
# Spawn mode under the real systemd: `notify-brokerd --workers 3 -- COMMAND` as
# a Type=notify service. Its three children run in the broker's own unit; each
# must count as a worker of its own (issue 11, finding 5: named after the
# broker's unit, they were one worker and the pool stayed "1/3" until the start
# timed out). Each child reports with the stock systemd-notify, which (as root)
# sends with its parent's pid: the spawned shell.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_require
sb_init
cat >"$SB_UNITS/nb-spawn.service" <<UNIT
[Unit]
Description=e2e: notify-brokerd starting its own pool of three
DefaultDependencies=no

[Service]
Type=notify
NotifyAccess=main
ExecStart=$NB_BROKERD --socket /run/nb-spawn.sock --bus none --expect 3 --workers 3 -- /bin/sh -c '/usr/bin/systemd-notify --ready --status=serving; exec sleep infinity'
TimeoutStartSec=10
# The broker forwards SIGTERM to its children and exits with their status; with
# the default KillMode=control-group systemd would signal the children itself,
# and their death by a signal the broker did not forward counts as a failure.
KillMode=mixed
UNIT
sb_start

start_usec=$(sb_now)
sb_systemctl start nb-spawn.service
sb_log "systemctl start returned after $(nb_ms_since "$start_usec") ms"
sb_expect_prop nb-spawn.service ActiveState active
sb_expect_prop_matches nb-spawn.service StatusText '^3/3 workers ready' 5
sb_systemctl stop nb-spawn.service
sb_expect_prop nb-spawn.service ActiveState inactive
