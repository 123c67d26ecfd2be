# shellcheck shell=bash
# notify-brokerd under the real systemd: the installed units (rendered for the
# build tree by units/CMakeLists.txt, so the very text we install) booted in
# the sandbox of sandbox.sh, with a test config.
#
#   source lib/broker.sh                # (it sources sandbox.sh)
#   nb_prepare_units                    # units + e2e drop-ins into $SB_UNITS
#   nb_enable_workers 4                 # example-worker@1..4 wanted by the broker
#   nb_config <<'EOF' ... EOF           # the broker's TOML
# or, for the usual pool scenario (the same, shorter):
#   nb_prepare_pool 4 "--ping 1"        # units, workers 1..4 and their arguments
#   nb_pool_config 4 <<'EOF' ... EOF    # debug, no bus, group "web" of 4, then stdin
#   nb_boot                             # sb_start; users, runtime folder, config inside
#   sb_systemctl start notify-brokerd.service
#
# Needs NB_BROKERD (the built daemon) and NB_UNITS_BUILD_DIR (set by ctest).

# shellcheck source-path=SCRIPTDIR source=sandbox.sh
[[ $(type -t sb_start) == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/sandbox.sh"

NB_CONFIG_TEXT=

nb_require() {
    [[ -n ${NB_BROKERD:-} && -x ${NB_BROKERD:-} ]] ||
        sb_fail "NB_BROKERD is not the built notify-brokerd ('${NB_BROKERD:-}'); build it first"
    [[ -n ${NB_UNITS_BUILD_DIR:-} && -f ${NB_UNITS_BUILD_DIR:-}/notify-brokerd.service ]] ||
        sb_fail "NB_UNITS_BUILD_DIR has no rendered units ('${NB_UNITS_BUILD_DIR:-}')"
}

# Copies the rendered units and adds, per unit, the only change the sandbox
# needs (no boot dependencies) plus any extra drop-in text given as
#   nb_dropin UNIT NAME <<'EOF' ... EOF
nb_prepare_units() {
    nb_require
    sb_init
    local unit base
    for unit in "$NB_UNITS_BUILD_DIR"/*.service "$NB_UNITS_BUILD_DIR"/*.socket "$NB_UNITS_BUILD_DIR"/*.target; do
        base=${unit##*/}
        cp "$unit" "$SB_UNITS/$base"
        mkdir -p "$SB_UNITS/$base.d"
        printf '[Unit]\nDefaultDependencies=no\n' >"$SB_UNITS/$base.d/00-e2e-sandbox.conf"
    done
    sb_log "units under test: $(cd "$SB_UNITS" && echo *.service *.socket *.target)"
}

nb_dropin() {
    local unit=$1 name=$2
    mkdir -p "$SB_UNITS/$unit.d"
    cat >"$SB_UNITS/$unit.d/$name.conf"
}

# The broker's WatchdogSec= made shorter than the shipped 30 s, so a starved
# watchdog shows within a test (and a test can outlast it): nb_broker_watchdog 2s
nb_broker_watchdog() {
    printf '[Service]\nWatchdogSec=%s\n' "$1" | nb_dropin notify-brokerd.service 20-e2e-watchdog
}

# As `systemctl enable example-worker@{1..N}` would: wanted by the broker.
nb_enable_workers() {
    local n=$1 i
    mkdir -p "$SB_UNITS/notify-brokerd.service.wants"
    for ((i = 1; i <= n; i++)); do
        ln -sf ../example-worker@.service "$SB_UNITS/notify-brokerd.service.wants/example-worker@$i.service"
    done
}

# Replaces the example worker's arguments (after its name), keeping the
# unit's own program path.
#   nb_worker_args "--start-delay 1.5 --ping 1" [UNIT]
nb_worker_args() {
    local args=$1 unit=${2:-example-worker@.service} exec_start
    exec_start=$(sed -n 's/^ExecStart=\([^ ]* [^ ]*\) .*/\1/p' "$NB_UNITS_BUILD_DIR/$unit")
    [[ -n $exec_start ]] || sb_fail "no ExecStart in $unit"
    printf '[Service]\nExecStart=\nExecStart=%s %s\n' "$exec_start" "$args" |
        nb_dropin "$unit" 10-e2e-worker-args
}

nb_enable_unit() {
    mkdir -p "$SB_UNITS/notify-brokerd.service.wants"
    ln -sf "../$1" "$SB_UNITS/notify-brokerd.service.wants/$1"
}

# The broker's TOML, from stdin; written inside the sandbox by nb_install.
nb_config() {
    NB_CONFIG_TEXT=$(cat)
    printf '%s\n' "$NB_CONFIG_TEXT" >"$SB_WORK/broker.toml"
    "$NB_BROKERD" --check-config --config "$SB_WORK/broker.toml" >/dev/null ||
        sb_fail "the test's broker config is invalid"
}

# The opening of a pool scenario: the units, and N example workers wanted by
# the broker, running with these arguments.
#   nb_prepare_pool 4 "--start-delay 1.5 --ping 1"
nb_prepare_pool() {
    nb_prepare_units
    nb_enable_workers "$1"
    nb_worker_args "$2"
}

# nb_config with the scenarios' [broker] and [dbus] tables first (debug log,
# STATUS at most every 100 ms, the given bus, default none); stdin goes on.
#   nb_test_config [BUS] <<'EOF' ... EOF
nb_test_config() {
    nb_config < <(
        printf '[broker]\nlog_level = "debug"\nstatus_interval = "100ms"\n[dbus]\nbus = "%s"\n' "${1:-none}"
        cat
    )
}

# nb_test_config with a group "web" of EXPECT example workers first; stdin goes
# on (more keys of that group, more tables).
#   nb_pool_config EXPECT [BUS] <<'EOF' ... EOF
nb_pool_config() {
    nb_test_config "${2:-none}" < <(
        printf '[[group]]\nname = "web"\nexpect = %s\nmatch = ["web-*"]\n' "$1"
        cat
    )
}

# Inside the booted sandbox (its overlay, never the host): the broker's user
# and runtime folder from our sysusers.d/tmpfiles.d snippets, and the config
# at the path the unit's ExecStart names.
nb_install() {
    sb_in systemd-sysusers "$NB_UNITS_BUILD_DIR/notify-broker.sysusers" ||
        sb_fail "systemd-sysusers (inside the sandbox) failed"
    sb_in systemd-tmpfiles --create "$NB_UNITS_BUILD_DIR/notify-broker.tmpfiles" ||
        sb_fail "systemd-tmpfiles (inside the sandbox) failed"
    local config
    config=$(sed -n 's/^ExecStart=.*--config \([^ ]*\).*/\1/p' "$SB_UNITS/notify-brokerd.service")
    [[ -n $config ]] || sb_fail "no --config in notify-brokerd.service's ExecStart"
    sb_in mkdir -p "${config%/*}"
    printf '%s\n' "$NB_CONFIG_TEXT" | sb_in tee "$config" >/dev/null
    sb_in chmod 0644 "$config"
}

# Boots the sandbox (sb_start), then nb_install.
nb_boot() {
    sb_start
    nb_install
}

# `systemctl start notify-brokerd.service`, which returns once the broker sent
# READY=1, and fails unless that took at least MIN ms: the broker waited.
#   nb_start_taking_at_least 1400 "before the workers could be ready"
nb_start_taking_at_least() {
    local min=$1 otherwise=$2 t0 took
    t0=$(sb_now)
    sb_systemctl start notify-brokerd.service
    took=$(nb_ms_since "$t0")
    sb_log "systemctl start notify-brokerd.service returned after $took ms"
    ((took >= min)) || sb_fail "systemctl start returned after $took ms, $otherwise"
}

# The journal of the broker (for the test log).
nb_broker_log() {
    sb_journalctl -u notify-brokerd.service -o short-monotonic --no-hostname "$@"
}

# Prints "ms since the given sb_now".
nb_ms_since() { echo $((($(sb_now) - $1) / 1000)); }

# The distribution's system bus (dbus.socket + dbus.service from
# /lib/systemd/system), copied into the test's units so the harness's safety
# check sees them, each with DefaultDependencies=no (they would otherwise pull
# in sysinit.target and sockets.target). Call after nb_prepare_units.
nb_system_bus() {
    local unit
    for unit in dbus.socket dbus.service; do
        [[ -f /lib/systemd/system/$unit ]] ||
            sb_fail "/lib/systemd/system/$unit is missing (apt-get install dbus)"
        cp "/lib/systemd/system/$unit" "$SB_UNITS/$unit"
        mkdir -p "$SB_UNITS/$unit.d"
        printf '[Unit]\nDefaultDependencies=no\n' >"$SB_UNITS/$unit.d/00-e2e-sandbox.conf"
    done
}

# Inside the booted sandbox: our bus policy where the package installs it
# (share/dbus-1/system.d of the overlay), then the system bus. Call after
# nb_install, before the broker starts.
nb_start_system_bus() {
    sb_in install -m 0644 "$NB_UNITS_BUILD_DIR/org.notifybroker.Broker1.conf" \
        /usr/share/dbus-1/system.d/org.notifybroker.Broker1.conf ||
        sb_fail "cannot install the bus policy inside the sandbox"
    sb_systemctl start dbus.socket dbus.service || sb_fail "the system bus did not start"
    sb_wait_until 10 "the system bus answers" sb_busctl --system status org.freedesktop.DBus
}
