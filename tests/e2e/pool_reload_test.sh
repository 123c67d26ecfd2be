#!/usr/bin/env bash
# Pool-wide reload (issue 15 B) and what a reload applies (issue 14 point 5),
# under the booted systemd with the shipped units: four example workers that
# take 1 s to reload (ReloadPropagatedFrom=notify-brokerd.service in
# example-worker@.service gets them reloaded by systemd itself) and a group
# with reload_timeout. `systemctl reload notify-brokerd` returns only once all
# four said READY=1 again; with one that never comes back, the reload ends
# after the group's timeout and STATUS names it. Then a config change: the
# live settings apply, one that needs a restart is named in the log and STATUS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

# The group "web" of four with this reload_timeout, then more tables.
#   pool_config 4s ["[rate_limit]\nburst = 50"]
pool_config() {
    nb_pool_config 4 < <(printf 'reload_timeout = "%s"\n%b\n' "$1" "${2:-}")
}

nb_prepare_pool 4 "--start-delay 0.2 --ping 1 --reload-delay 1"
pool_config 4s
nb_boot
config=$(sed -n 's/^ExecStart=.*--config \([^ ]*\).*/\1/p' "$SB_UNITS/notify-brokerd.service")
sb_log "systemd $(sb_systemd_version); units rendered for ${NB_UNITS_SYSTEMD_VERSION:-?}"

sb_systemctl start notify-brokerd.service
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready$' 5
broker_pid=$(sb_prop notify-brokerd.service MainPID)

# 1. Every worker reloads in about 1 s: the reload job waits for all four.
t0=$(sb_now)
sb_systemctl reload notify-brokerd.service || sb_fail "systemctl reload failed"
took=$(nb_ms_since "$t0")
sb_log "systemctl reload returned after $took ms"
((took >= 900)) || sb_fail "systemctl reload returned after $took ms, before the workers reloaded (1 s)"
((took < 3500)) || sb_fail "systemctl reload took $took ms: it waited for the timeout, not the workers"
status=$(sb_prop notify-brokerd.service StatusText)
[[ $status == '4/4 workers ready' ]] || sb_fail "after the reload STATUS is '$status'"
nb_broker_log -o cat | grep -q 'upstream: .*reloading: [0-3]/4 workers reloaded' ||
    sb_fail "STATUS never showed the reload's progress"
sb_expect_prop notify-brokerd.service MainPID "$broker_pid"
sb_expect_prop notify-brokerd.service NRestarts 0

# 2. web-4 never comes back from its reload: READY=1 after the 4 s timeout,
# and STATUS names it. (The drop-in goes in the booted sandbox's /run.)
worker=$(sed -n 's/^ExecStart=\([^ ]* [^ ]*\) .*/\1/p' "$NB_UNITS_BUILD_DIR/example-worker@.service")
never=/run/systemd/system/example-worker@4.service.d/20-e2e-never-reloads.conf
sb_in mkdir -p "${never%/*}"
printf '[Service]\nExecStart=\nExecStart=%s --start-delay 0.2 --ping 1 --reload-delay -1\n' "$worker" |
    sb_in tee "$never" >/dev/null
sb_systemctl daemon-reload
sb_systemctl restart example-worker@4.service
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready$' 5
t0=$(sb_now)
sb_systemctl reload notify-brokerd.service || sb_fail "the second systemctl reload failed"
took=$(nb_ms_since "$t0")
sb_log "systemctl reload (web-4 never back) returned after $took ms"
((took >= 3800)) || sb_fail "systemctl reload returned after $took ms, before the 4 s reload_timeout"
((took < 10000)) || sb_fail "systemctl reload took $took ms, far past the 4 s reload_timeout"
status=$(sb_prop notify-brokerd.service StatusText)
sb_log "STATUS after the timeout: $status"
[[ $status == *'did not reload: web-4'* ]] || sb_fail "STATUS does not name web-4: '$status'"
[[ $status != *web-[123]* ]] || sb_fail "STATUS names a worker that reloaded: '$status'"
sb_expect_prop notify-brokerd.service ActiveState active

# 3. A changed config: the rate limit applies at once, max_workers needs a
# restart and is named in the log and in STATUS.
sb_in rm -f "$never"
sb_systemctl daemon-reload
sb_systemctl restart example-worker@4.service
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready$' 5
pool_config 4s '[rate_limit]\nburst = 50\n'
nl=$'\n'
NB_CONFIG_TEXT=${NB_CONFIG_TEXT/\[broker\]/[broker]${nl}max_workers = 64}
printf '%s\n' "$NB_CONFIG_TEXT" | sb_in tee "$config" >/dev/null
sb_systemctl reload notify-brokerd.service || sb_fail "the third systemctl reload failed"
sb_expect_prop_matches notify-brokerd.service StatusText 'restart needed for broker\.max_workers' 5
log=$(nb_broker_log -o cat)
grep -q 'reload: broker.max_workers changed but needs a restart' <<<"$log" ||
    sb_fail "the log does not name broker.max_workers as needing a restart"
grep -q 'configuration reloaded; applied: rate_limit.burst' <<<"$log" ||
    sb_fail "the log does not name rate_limit.burst as applied"
sb_expect_prop notify-brokerd.service MainPID "$broker_pid"
sb_expect_prop notify-brokerd.service NRestarts 0
sb_systemctl stop notify-brokerd.service
sb_expect_prop notify-brokerd.service Result success
