#!/usr/bin/env bash
# Issue 16 (journal): under the real systemd, the broker's stderr is the
# journal's stream ($JOURNAL_STREAM), so it logs natively with MESSAGE_ID and
# NB_* fields: `journalctl -u notify-brokerd NB_WORKER=web-2` returns that
# worker's events and only them, and once the shipped catalog is installed and
# `journalctl --update-catalog` has run, `journalctl -x` explains them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_prepare_units
nb_socket_unit pool-script.service "e2e: one script reporting for three workers by name" <<'UNIT'
ExecStart=/bin/sh -c 'for i in 1 2 3; do sleep infinity & done; for i in 1 2 3; do /usr/bin/systemd-notify --ready X_WORKER=web-$i || exit 1; done; wait'
UNIT
nb_test_config < <(
    nb_group_toml web 3 'web-*'
    nb_allow_unit_toml pool-script.service 'web-*'
)
nb_boot

sb_systemctl start --no-block notify-brokerd.service
nb_expect_status "^3/3 workers ready" 10
sb_systemctl kill --kill-who=main --signal=KILL pool-script.service
nb_expect_status '^0/3 workers ready' 5

web2_gone_logged() {
    sb_journalctl -u notify-brokerd.service NB_WORKER=web-2 -o cat | grep -q 'worker web-2 is gone'
}
# web-2's ready and gone, natively logged, and nothing about web-1 or web-3.
sb_wait_until 10 "web-2's gone entry in the journal" web2_gone_logged
events=$(sb_journalctl -u notify-brokerd.service NB_WORKER=web-2 -o cat)
sb_log "journalctl -u notify-brokerd NB_WORKER=web-2:"$'\n'"$events"
grep -q '^worker web-2 is ready' <<<"$events" || sb_fail "no ready entry for web-2"
grep -q '^worker web-2 is gone' <<<"$events" || sb_fail "no gone entry for web-2"
if grep -v 'web-2' <<<"$events" | grep -q .; then
    sb_fail "entries about other workers matched NB_WORKER=web-2"
fi
fields=$(sb_journalctl -u notify-brokerd.service NB_WORKER=web-2 -o export)
for field in NB_GROUP=web NB_UNIT=pool-script.service MESSAGE_ID=5126cd5c84bb4533bfee080e24c2a19e \
    NB_REASON=exited; do
    grep -qx "$field" <<<"$fields" || sb_fail "no $field in web-2's entries"
done
grep -q '^NB_PID=[0-9]' <<<"$fields" || sb_fail "no NB_PID in web-2's entries"
# Lines not from the journal stream: the native protocol carries the fields.
sb_journalctl -u notify-brokerd.service NB_WORKER=web-1 -o cat | grep -q 'worker web-1 is ready' ||
    sb_fail "no entry for web-1"

# The catalog explains them after --update-catalog.
sb_in mkdir -p /usr/lib/systemd/catalog
sb_in cp "$NB_SOURCE_DIR/units/notify-broker.catalog" /usr/lib/systemd/catalog/notify-broker.catalog
sb_in journalctl --update-catalog
explained=$(sb_journalctl -x -u notify-brokerd.service NB_WORKER=web-2)
grep -q 'Subject: Worker web-2 is ready' <<<"$explained" ||
    sb_fail "journalctl -x shows no explanation:"$'\n'"$explained"
grep -q 'notify-brokerd it is ready (READY=1)' <<<"$explained" ||
    sb_fail "journalctl -x shows no catalog text"
sb_log "journalctl -x explains web-2's entries"
