#!/usr/bin/env bash
# The shipped pieces fit together: units/notify-brokerd.toml, installed verbatim,
# admits the shipped example units (example-worker@1..4 and the sandboxed
# helper, as `systemctl enable` would set them up) and places each in a group,
# on the system bus the shipped config names. Every example shows up ready in
# `notify-broker workers`, and the broker refused nobody.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

[[ -n ${NB_CLI:-} && -x ${NB_CLI:-} ]] || sb_fail "NB_CLI is not the built notify-broker ('${NB_CLI:-}')"
shipped=${NB_SOURCE_DIR:?}/units/notify-brokerd.toml

nb_prepare_units
nb_system_bus
nb_enable_workers 4
nb_enable_unit example-sandboxed-helper.service
nb_config <"$shipped"
nb_boot
nb_start_system_bus

sb_systemctl start notify-brokerd.service
sb_expect_prop notify-brokerd.service ActiveState active
for unit in example-worker@{1..4}.service example-sandboxed-helper.service; do
    sb_expect_prop "$unit" ActiveState active
done

# The examples report within their first seconds (start delay 0.2 s).
workers_ready() {
    sb_in "$NB_CLI" workers --json | /usr/bin/python3 -c '
import json, sys
rows = {w["name"]: w["state"] for w in json.load(sys.stdin)}
wanted = ["helper", "web-1", "web-2", "web-3", "web-4"]
sys.exit(0 if all(rows.get(n) == "ready" for n in wanted) else 1)
'
}
deadline=$(($(sb_now) + 10000000))
until workers_ready; do
    if (($(sb_now) > deadline)); then
        sb_in "$NB_CLI" workers >&2 || true
        nb_broker_log -o cat | tail -n 20 >&2
        sb_fail "not every shipped example is ready in notify-broker workers"
    fi
    sleep 0.1
done
sb_in "$NB_CLI" workers >&2
sb_in "$NB_CLI" status >&2
log=$(nb_broker_log -o cat)
if grep -Ei 'refused|denied|unauthori[sz]ed' <<<"$log"; then
    sb_fail "the shipped config refused one of the shipped examples"
fi
sb_systemctl stop notify-brokerd.service
nb_broker_log -o cat | grep -q 'received .* dropped: none' ||
    sb_fail "the broker dropped datagrams from the shipped examples"
nb_broker_log | tail -n 8
