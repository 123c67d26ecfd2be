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
# Test units of its own and their config:
#   nb_socket_unit [--nobody] [--detached] NAME DESCRIPTION <<'EOF' ExecStart=... EOF
#   nb_dbus_worker_unit [--detached] PING   # lib/dbus-worker.py as dbus-worker.service
#   nb_script_pool [--detached] [ARGS]  # two shell-script workers and their config
#   nb_test_config < <(nb_group_toml NAME EXPECT GLOB...; nb_allow_unit_toml UNIT [NAME...])
# Then, with the broker running:
#   nb_expect_status RE [SECONDS]       # its StatusText (nb_status_matches RE: a test)
#   nb_expect_broker_steady 3 RE        # same process, no restart, after 3 s
#   nb_wait_state_saved 2; nb_sigkill_broker; nb_expect_broker_back 5 RE LOG_RE MESSAGE
#
# Needs NB_BROKERD (the built daemon) and NB_UNITS_BUILD_DIR (set by ctest).

# shellcheck source-path=SCRIPTDIR source=sandbox.sh
[[ $(type -t sb_start) == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/sandbox.sh"

NB_CONFIG_TEXT=

# The built notify-broker CLI (NB_CLI, set by ctest), for tests that run it.
nb_require_cli() {
    [[ -n ${NB_CLI:-} && -x ${NB_CLI:-} ]] || sb_fail "NB_CLI is not the built notify-broker ('${NB_CLI:-}')"
}

# python3-dbus, which lib/dbus-worker.py needs.
nb_require_python_dbus() {
    /usr/bin/python3 -c 'import dbus' 2>/dev/null ||
        sb_fail "python3-dbus is missing (apt-get install python3-dbus; listed in .ci/packages)"
}

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

# A test unit of its own that reports to the broker's socket, wanted by the
# broker: Type=exec with NOTIFY_SOCKET set, PartOf= the broker (a broker
# restart restarts it) unless --detached, and with --nobody as User=nobody in
# the broker's group (the socket's); the rest of its [Service] section
# (ExecStart=, ...) from stdin.
#   nb_socket_unit [--nobody] [--detached] NAME DESCRIPTION <<'EOF' ... EOF
nb_socket_unit() {
    local user='' part_of=$'PartOf=notify-brokerd.service\n'
    while [[ $1 == --* ]]; do
        case $1 in
        --nobody) user=$'User=nobody\nSupplementaryGroups=notify-broker\n' ;;
        --detached) part_of= ;;
        *) sb_fail "nb_socket_unit: unknown option $1" ;;
        esac
        shift
    done
    local name=$1 description=$2
    {
        printf '[Unit]\nDescription=%s\nDefaultDependencies=no\n' "$description"
        printf 'Wants=notify-brokerd.socket\nAfter=notify-brokerd.socket\n%s\n' "$part_of"
        printf '[Service]\nType=exec\n%s' "$user"
        printf 'Environment=NOTIFY_SOCKET=/run/notify-broker/notify.sock\n'
        cat
    } >"$SB_UNITS/$name"
    nb_enable_unit "$name"
}

# The pool of the shell-script tests (nb_prepare_units first): two units,
# User=nobody, whose main process is a script that reports once with a
# short-lived command and then serves without a word,
#     COMMAND --ready ARGS; exec sleep infinity
# with the built CLI (script-cli.service) and with systemd-notify
# (script-systemd-notify.service); PartOf= the broker unless --detached. And
# the config: a group "scripts" of the two, admitted by their units.
#   nb_script_pool [--detached] [ARGS]
nb_script_pool() {
    local detached=() suffix=''
    if [[ ${1:-} == --detached ]]; then
        detached=(--detached) suffix=", not PartOf= the broker"
        shift
    fi
    local args=${1:-} name command
    nb_require_cli
    for name in script-cli.service script-systemd-notify.service; do
        command=$NB_CLI
        [[ $name == script-cli.service ]] || command=/usr/bin/systemd-notify
        nb_socket_unit --nobody "${detached[@]}" "$name" "e2e: a shell-script worker ($command)$suffix" <<UNIT
ExecStart=/bin/sh -c '$command --ready${args:+ $args}; exec sleep infinity'
UNIT
    done
    nb_test_config < <(
        nb_group_toml scripts 2 'script-*.service'
        nb_allow_unit_toml 'script-*.service'
    )
}

# The D-Bus pool worker (lib/dbus-worker.py, User=nobody) as
# dbus-worker.service, wanted by the broker: it calls Ready as dbus-1 over the
# system bus, then WatchdogPing every PING seconds. PartOf= the broker unless
# --detached. With nb_system_bus.
#   nb_dbus_worker_unit [--detached] PING
nb_dbus_worker_unit() {
    local part_of=$'PartOf=notify-brokerd.service\n' description=
    if [[ $1 == --detached ]]; then
        part_of='' description=", not PartOf= the broker"
        shift
    fi
    nb_require_python_dbus
    cat >"$SB_UNITS/dbus-worker.service" <<UNIT
[Unit]
Description=e2e: a pool worker reporting over the system bus$description
DefaultDependencies=no
Wants=dbus.socket
After=dbus.socket
${part_of}
[Service]
Type=exec
# dbus-python's proxy needs the broker's name owned when it is made.
ExecStartPre=/bin/sleep 1
ExecStart=/usr/bin/python3 $SB_LIB_DIR/dbus-worker.py dbus-1 --ping $1
User=nobody
PrivateNetwork=yes
NoNewPrivileges=yes
UNIT
    nb_enable_unit dbus-worker.service
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

# nb_config with the scenarios' [broker] and [dbus] tables first (log level,
# default debug; STATUS at most every 100 ms; the given bus, default none);
# stdin goes on.
#   nb_test_config [BUS [LOG_LEVEL]] <<'EOF' ... EOF
nb_test_config() {
    nb_config < <(
        printf '[broker]\nlog_level = "%s"\nstatus_interval = "100ms"\n[dbus]\nbus = "%s"\n' \
            "${2:-debug}" "${1:-none}"
        cat
    )
}

# TOML for the config: a [[group]] NAME of EXPECT workers whose names (or
# units) match one of the GLOBs; an [[allow]] rule admitting the unit UNIT
# (a glob), for the worker NAMEs (globs) if given.
#   nb_group_toml NAME EXPECT GLOB...
#   nb_allow_unit_toml UNIT [NAME...]
nb_group_toml() {
    local name=$1 expect=$2
    shift 2
    printf '[[group]]\nname = "%s"\nexpect = %s\nmatch = [%s]\n' "$name" "$expect" "$(nb__toml_strings "$@")"
}

nb_allow_unit_toml() {
    local unit=$1
    shift
    printf '[[allow]]\nunit = "%s"\n' "$unit"
    (($# == 0)) || printf 'names = [%s]\n' "$(nb__toml_strings "$@")"
}

nb__toml_strings() {
    local item out=
    for item in "$@"; do out+="${out:+, }\"$item\""; done
    printf '%s' "$out"
}

# nb_test_config with a group "web" of EXPECT example workers first; stdin goes
# on (more keys of that group, more tables).
#   nb_pool_config EXPECT [BUS] <<'EOF' ... EOF
nb_pool_config() {
    nb_test_config "${2:-none}" < <(
        nb_group_toml web "$1" 'web-*'
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

# Runs CHECK ARGS... every 50 ms until it succeeds (status 0), or until SECONDS
# have passed since T0, an sb_now (status 1).
#   nb_poll_since T0 SECONDS CHECK ARGS...
nb_poll_since() {
    local t0=$1 seconds=$2
    shift 2
    while (($(sb_now) < t0 + seconds * 1000000)); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}

# The broker's StatusText, as systemd shows it: a test (matches the bash regular
# expression RE), and an assertion (waits up to SECONDS, default 0 = once).
#   nb_status_matches RE
#   nb_expect_status RE [SECONDS]
nb_status_matches() { [[ $(sb_prop notify-brokerd.service StatusText) =~ $1 ]]; }
nb_expect_status() { sb_expect_prop_matches notify-brokerd.service StatusText "$@"; }

# The broker holds for SECONDS (past its WatchdogSec=, it would be restarted
# if it stopped feeding the watchdog); then it is still the process PID
# (default: the one running now), restarted RESTARTS times in all (default 0),
# and its StatusText matches RE.
#   nb_expect_broker_steady SECONDS RE [RESTARTS [PID]]
nb_expect_broker_steady() {
    local seconds=$1 re=$2 restarts=${3:-0} pid=${4:-}
    [[ -n $pid ]] || pid=$(sb_prop notify-brokerd.service MainPID)
    sleep "$seconds"
    nb_expect_status "$re"
    sb_expect_prop notify-brokerd.service NRestarts "$restarts"
    sb_expect_prop notify-brokerd.service MainPID "$pid"
}

# Waits (5 s) until the broker logged a save of its state (to the fd store)
# with N workers, all N ready.
nb_wait_state_saved() {
    sb_wait_until 5 "the broker's state saved with $1 ready workers" nb__state_saved "$1"
}
nb__state_saved() { nb_broker_log -o cat | grep -q "state #[0-9]* saved ($1 workers, $1 ready"; }

# SIGKILLs the broker's main process (systemd restarts it: Restart=on-failure).
# Sets NB_KILLED_PID (that process) and NB_KILLED_AT (sb_now before the kill).
nb_sigkill_broker() {
    NB_KILLED_PID=$(sb_prop notify-brokerd.service MainPID)
    NB_KILLED_AT=$(sb_now)
    sb_systemctl kill -s SIGKILL --kill-who=main notify-brokerd.service
}

# After nb_sigkill_broker: a new broker process whose StatusText matches RE
# within SECONDS of the kill, or the test fails with MESSAGE. Logs the broker's
# state and its log lines matching LOG_RE (an extended regular expression) first.
#   nb_expect_broker_back SECONDS RE LOG_RE MESSAGE
nb_expect_broker_back() {
    local seconds=$1 re=$2 log_re=$3 message=$4 back=0
    nb_poll_since "$NB_KILLED_AT" "$seconds" nb__broker_back "$re" && back=1
    sb_log "after the SIGKILL: $(sb_systemctl show -p ActiveState,SubState,NRestarts,StatusText notify-brokerd.service | paste -sd' ') ($(nb_ms_since "$NB_KILLED_AT") ms)"
    nb_broker_log -o cat | grep -E "$log_re" | tail -n 6 >&2 || true
    ((back)) || sb_fail "$message"
}
nb__broker_back() {
    local pid
    pid=$(sb_prop notify-brokerd.service MainPID)
    [[ $pid != "$NB_KILLED_PID" && $pid != 0 ]] && nb_status_matches "$1"
}

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
