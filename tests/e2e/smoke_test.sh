#!/usr/bin/env bash
# The sandbox itself works: a Type=notify unit that reports with the stock
# systemd-notify is started by the real systemd 252, `systemctl start`
# returns once READY=1 arrived, and systemd shows the STATUS= text it sent.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/sandbox.sh"

sb_init
cat >"$SB_UNITS/smoke.service" <<'UNIT'
[Unit]
Description=e2e smoke: a Type=notify unit using systemd-notify
DefaultDependencies=no

[Service]
Type=notify
NotifyAccess=main
# systemd-notify (privileged) sends with its parent's pid, the main process.
ExecStart=/bin/sh -c '/usr/bin/systemd-notify --ready --status="smoke ready: 1/1"; exec sleep infinity'
TimeoutStartSec=20
UNIT

sb_start

start_usec=$(sb_now)
sb_systemctl start smoke.service
sb_log "systemctl start returned after $((($(sb_now) - start_usec) / 1000)) ms"
sb_expect_prop smoke.service ActiveState active
sb_expect_prop smoke.service SubState running
sb_expect_prop smoke.service StatusText "smoke ready: 1/1"

sb_systemctl stop smoke.service
sb_expect_prop smoke.service ActiveState inactive
