#!/usr/bin/env bash
# Scenario 6: the broker on the real system bus. Debian's dbus.socket +
# dbus.service run inside the sandbox with our bus policy installed under
# /usr/share/dbus-1/system.d; the broker (its installed unit, bus = "system")
# owns org.notifybroker.Broker1 there. busctl and `notify-broker status|workers`
# reach it; a D-Bus worker unit (User=nobody, python3-dbus) that the allow rules
# admit by its unit counts in the pool (systemctl start waits for it); callers
# no rule admits (uid 65534 via setpriv outside any unit, and a unit the rules
# do not name) get the broker's AccessDenied and change nothing.
#
# Not DynamicUser= for the D-Bus callers: since systemd 250.4 dbus-daemon cannot
# resolve dynamic uids (systemd sets SYSTEMD_NSS_DYNAMIC_BYPASS=1 for
# dbus.service) and drops their connections during authentication
# (systemd/systemd#22737, documented in systemd.exec(5) since 253). DynamicUser
# workers report through the socket instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

nb_require_cli
nb_require_python_dbus

bus_name=org.notifybroker.Broker1
object=/org/notifybroker/Broker1

nb_prepare_pool 2 "--start-delay 0.2 --ping 1"
nb_system_bus
# A pool worker that speaks D-Bus instead of the socket; it is ready last, so
# the broker's READY=1 depends on the call reaching it over the system bus.
nb_dbus_worker_unit 1
# A unit the allow rules do not name, calling Ready as its dynamic uid.
cat >"$SB_UNITS/dbus-intruder.service" <<'UNIT'
[Unit]
Description=e2e: a D-Bus caller no allow rule admits
DefaultDependencies=no

[Service]
Type=oneshot
User=nobody
ExecStart=/bin/sh -c 'dbus-send --system --print-reply --dest=org.notifybroker.Broker1 /org/notifybroker/Broker1 org.notifybroker.Broker1.Ready string:dbus-9; echo "dbus-send exited $?"'
UNIT
nb_pool_config 2 system < <(
    nb_group_toml dbus 1 'dbus-*'
    nb_allow_unit_toml 'example-worker@*.service' 'web-*'
    nb_allow_unit_toml dbus-worker.service 'dbus-*'
    printf '[[allow]]\nuser = "root"\nnames = ["*"]\n'
)
nb_boot
nb_start_system_bus

nb_start_taking_at_least 900 "before the D-Bus worker could call Ready"
nb_expect_status '^3/3 workers ready' 2
nb_broker_log -o cat | grep -E 'bus|dbus' | head -n 5 || true

# busctl reaches the broker on the system bus.
introspection=$(sb_busctl --system introspect "$bus_name" "$object") ||
    sb_fail "busctl introspect failed"
for member in .Ready .SetStatus .WatchdogPing .Stopping .Notify .State .Workers; do
    grep -q "^\\$member " <<<"$introspection" || sb_fail "introspection lacks $member"
done
sb_log "ok: busctl introspect shows the Broker1 interface"
state=$(sb_busctl --system get-property "$bus_name" "$object" "$bus_name" State)
[[ $state == 's "ready"' ]] || sb_fail "State over D-Bus: '$state'"
ready=$(sb_busctl --system get-property "$bus_name" "$object" "$bus_name" ReadyCount)
[[ $ready == "u 3" ]] || sb_fail "ReadyCount over D-Bus: '$ready'"
sb_log "ok: busctl get-property State=$state ReadyCount=$ready"
owner_uid=$(sb_busctl --system status "$bus_name" | sed -n 's/^UID=//p')
[[ $owner_uid == $(sb_in id -u notify-broker) ]] ||
    sb_fail "the name is owned by uid '$owner_uid', not the broker's user"

# The CLI, text and JSON.
status_text=$(sb_in "$NB_CLI" status)
printf '%s\n' "$status_text" >&2
grep -q '^State: *ready$' <<<"$status_text" || sb_fail "notify-broker status: no 'State: ready'"
grep -q '^Workers: *3/3 ready' <<<"$status_text" || sb_fail "notify-broker status: not 3/3"
sb_in "$NB_CLI" status --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["state"] == "ready" and s["ready"] == 3 and s["expected"] == 3, s
' || sb_fail "notify-broker status --json"
sb_in "$NB_CLI" workers >&2
sb_in "$NB_CLI" workers --json | /usr/bin/python3 -c '
import json, sys
rows = {w["name"]: w for w in json.load(sys.stdin)}
assert sorted(rows) == ["dbus-1", "web-1", "web-2"], sorted(rows)
assert all(w["state"] == "ready" for w in rows.values()), rows
assert rows["dbus-1"]["source"] == "dbus" and rows["dbus-1"]["uid"] != 0, rows["dbus-1"]
assert rows["web-1"]["source"] == "socket", rows["web-1"]
' || sb_fail "notify-broker workers --json"
sb_log "ok: notify-broker status/workers (text and --json) show the pool"

# Denied: uid 65534 (no rule names it) gets the broker's own AccessDenied.
if denied=$(sb_in setpriv --reuid=65534 --regid=65534 --clear-groups \
    dbus-send --system --print-reply --dest="$bus_name" "$object" "$bus_name.Ready" string:dbus-9 2>&1); then
    sb_fail "uid 65534 was allowed to call Ready: $denied"
fi
sb_log "uid 65534: $denied"
grep -q 'org.freedesktop.DBus.Error.AccessDenied' <<<"$denied" || sb_fail "uid 65534: not AccessDenied"
grep -q 'no allow rule admits uid 65534' <<<"$denied" ||
    sb_fail "uid 65534 was refused, but not by the broker's allow rules"
# Denied: a unit the rules do not name (same uid as the admitted dbus-worker).
sb_systemctl start dbus-intruder.service
intruder=$(sb_journalctl -u dbus-intruder.service -o cat)
printf '%s\n' "$intruder" >&2
grep -q 'org.freedesktop.DBus.Error.AccessDenied: no allow rule admits' <<<"$intruder" ||
    sb_fail "the intruder unit was not refused by the broker"
grep -q 'dbus-send exited 1' <<<"$intruder" || sb_fail "the intruder's dbus-send did not fail"
# Neither changed the pool.
ready=$(sb_busctl --system get-property "$bus_name" "$object" "$bus_name" KnownCount)
[[ $ready == "u 3" ]] || sb_fail "KnownCount after the refused calls: '$ready'"
nb_expect_status '^3/3 workers ready'

# The D-Bus worker's life is its connection: kill it and the pool shows it gone.
sb_systemctl kill -s SIGKILL dbus-worker.service
nb_expect_status '^2/3 workers ready.*dbus-1' 2
nb_broker_log | tail -n 12
