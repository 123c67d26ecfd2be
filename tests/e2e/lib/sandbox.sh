# shellcheck shell=bash
# A real systemd 252 as PID 1 of a throw-away namespace, for end-to-end tests.
#
#   source tests/e2e/lib/sandbox.sh
#   sb_start "$units_dir"            # preflight, boot, wait until running; tears
#                                    # down on EXIT whatever happens
#   sb_systemctl start foo.service   # any command inside: sb_in CMD...
#   sb_expect_prop foo.service ActiveState active 5
#
# Every test using this FAILS (never skips) when the machine cannot run it:
# CI must not pass without the end-to-end tests. The recipe and the reasons
# for each precaution are in ../shared/SYSTEMD-SANDBOX.md and
# sandbox-init.sh; the short version: the host's /tmp was once emptied by a
# careless attempt, so systemd gets an overlay root on tmpfs, pivot_root'ed,
# with read-only kernel knobs, and no unit may pull in the boot targets.

SB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SB_TARGET=nb-e2e.target
SB_NAME=nb-e2e
SB_WORK=
SB_UNITS=
SB_CGROUP=
SB_UNSHARE_PID=
SB_PID1=
SB_CANARY=
SB_HOST_DIGEST=
SB_DEBUG_DUMPED=

# Units of the boot sequence that change the machine they run on (tmpfiles
# empties /tmp, sysctl/modules/udev touch the kernel, sysusers writes
# /etc/passwd). Masked so that a dependency pulling one in fails loudly
# instead of running it.
SB_MASKED_UNITS=(
    sysinit.target basic.target multi-user.target graphical.target default.target
    local-fs.target local-fs-pre.target remote-fs.target swap.target
    systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service
    systemd-tmpfiles-clean.service systemd-tmpfiles-clean.timer
    systemd-sysctl.service systemd-sysusers.service systemd-modules-load.service
    systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service
    systemd-udevd-control.socket systemd-udevd-kernel.socket
    kmod-static-nodes.service systemd-random-seed.service systemd-remount-fs.service
    systemd-machine-id-commit.service systemd-binfmt.service systemd-firstboot.service
    systemd-hwdb-update.service ldconfig.service systemd-boot-update.service
    systemd-pstore.service systemd-timesyncd.service systemd-update-utmp.service
    cron.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer
    man-db.timer logrotate.timer dpkg-db-backup.timer
)

sb_log() { printf 'e2e: %s\n' "$*" >&2; }

# Fails the test. Never a skip: a machine that cannot run these tests must
# make CI red.
sb_fail() {
    printf 'e2e: FAIL: %s\n' "$*" >&2
    exit 1
}

sb_now() { printf '%s' "${EPOCHREALTIME//[.,]/}"; } # microseconds

# Checks, before anything is created, that this machine can run a sandboxed
# systemd. Each missing piece is named.
sb_preflight() {
    local missing=()
    [[ $(id -u) == 0 ]] || missing+=("root (the e2e tests boot systemd in namespaces; run ctest as root)")
    local tool
    for tool in unshare nsenter setpriv mount umount pivot_root findmnt pgrep sha256sum; do
        command -v "$tool" >/dev/null || missing+=("the '$tool' command (util-linux/procps)")
    done
    [[ -x /lib/systemd/systemd ]] || missing+=("/lib/systemd/systemd (apt-get install systemd)")
    command -v systemctl >/dev/null || missing+=("systemctl")
    grep -qw overlay /proc/filesystems || missing+=("overlay filesystem support (modprobe overlay)")
    grep -qw cgroup2 /proc/filesystems || missing+=("cgroup2 filesystem support")
    [[ -n $(sb_host_cgroup2_root) ]] || missing+=("a mounted cgroup2 hierarchy on the host")
    # The units run with PrivateTmp= or DynamicUser= (a /tmp of their own): they
    # cannot execute a checkout or build that lives under /tmp (.ci/run copies
    # such a checkout elsewhere first).
    local tree
    for tree in ${NB_SOURCE_DIR:-} ${NB_BROKERD:-}; do
        case $(realpath "$tree")/ in
        /tmp/* | /var/tmp/* | /run/*)
            missing+=("a checkout and build outside /tmp, /var/tmp and /run ($tree is hidden from PrivateTmp= services)")
            ;;
        esac
    done
    if ((${#missing[@]} == 0)) &&
        ! unshare --fork --pid --mount --uts --ipc --net --cgroup true 2>/dev/null; then
        missing+=("permission to create pid/mount/uts/ipc/net/cgroup namespaces (unshare failed)")
    fi
    if ((${#missing[@]} > 0)); then
        local m
        for m in "${missing[@]}"; do printf 'e2e: missing prerequisite: %s\n' "$m" >&2; done
        sb_fail "this machine cannot run the end-to-end tests (they are not skipped on purpose)"
    fi
}

sb_host_cgroup2_root() {
    findmnt -n -t cgroup2 -o TARGET | head -n1
}

# Refuses to boot a unit folder that could pull in the boot sequence: every
# unit needs DefaultDependencies=no (in the file or a drop-in) and none may
# require a boot target.
sb__unit_text() {
    local dir=$1 base=$2 f
    for f in "$dir/$base" "$dir/$base.d/"*.conf; do
        [[ -f $f ]] && cat "$f"
    done
    return 0
}

sb_check_units() {
    local dir=$1 unit base bad=0
    for unit in "$dir"/*.service "$dir"/*.socket "$dir"/*.target "$dir"/*.timer \
        "$dir"/*.path "$dir"/*.mount "$dir"/*.slice; do
        [[ -e $unit ]] || continue
        [[ -L $unit && $(readlink "$unit") == /dev/null ]] && continue
        base=${unit##*/}
        if ! sb__unit_text "$dir" "$base" |
            grep -Eq '^[[:space:]]*DefaultDependencies[[:space:]]*=[[:space:]]*(no|false|0)'; then
            sb_log "unit $base lacks DefaultDependencies=no"
            bad=1
        fi
        if sb__unit_text "$dir" "$base" |
            grep -Eq '^[[:space:]]*(Wants|Requires|Requisite|BindsTo|Upholds|PartOf)=.*(sysinit|basic|multi-user|default|graphical|local-fs)\.target'; then
            sb_log "unit $base pulls in a boot target"
            bad=1
        fi
    done
    for unit in "$dir"/*.wants "$dir"/*.requires; do
        [[ -e $unit ]] || continue
        case ${unit##*/} in
        sysinit.* | basic.* | multi-user.* | default.* | graphical.* | local-fs.* | sockets.* | timers.*)
            sb_log "unit folder enables units into ${unit##*/}"
            bad=1
            ;;
        esac
    done
    ((bad == 0)) || sb_fail "unsafe unit folder $dir (would boot the host's services)"
}

sb_host_digest() {
    sha256sum /etc/passwd /etc/group /etc/shadow /etc/machine-id 2>/dev/null
}

# Checks the machine, creates the work folder and installs the EXIT trap
# that always tears down. Sets SB_UNITS, an empty folder for the test's units
# (sb_start boots it by default). Call it in the test's own shell, not in $(...).
sb_init() {
    [[ -z $SB_WORK ]] || return 0
    sb_preflight
    trap sb_teardown EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    local base=${NB_E2E_WORK:-$PWD}
    mkdir -p "$base"
    sb_reap_stale "$base"
    SB_WORK=$(mktemp -d "$base/sandbox.XXXXXX")
    echo $$ >"$SB_WORK/owner"
    SB_UNITS=$SB_WORK/units-src
    mkdir "$SB_UNITS"
}

# Removes what a test killed with SIGKILL (a ctest timeout) left behind: its
# namespace died with it (parent-death signals), but not its empty cgroup,
# work folder and /tmp canary. Only things whose owner process is gone.
sb__alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

sb_reap_stale() {
    local base=$1 path owner
    for path in "$base"/sandbox.*; do
        [[ -f $path/owner ]] || continue
        owner=$(<"$path/owner")
        sb__alive "$owner" && continue
        findmnt -rn -o TARGET | grep -q "^$path" && continue
        rm -rf --one-file-system "$path"
    done
    local cg2 self_cg
    cg2=$(sb_host_cgroup2_root)
    self_cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
    for path in "$cg2${self_cg%/}/$SB_NAME"-*; do
        [[ -f $path/cgroup.events ]] || continue
        grep -qx 'populated 0' "$path/cgroup.events" || continue
        find "$path" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    for path in /tmp/nb-e2e-canary.*; do
        [[ -f $path ]] || continue
        owner=${path#/tmp/nb-e2e-canary.}
        owner=${owner%%.*}
        sb__alive "$owner" || rm -f "$path"
    done
}

# Boots systemd over the units in $1 (default $SB_UNITS; copied, and the
# harness adds the start target and the masks). Returns once `systemctl is-system-running` says
# running or degraded. Installs the EXIT trap that always tears down.
sb_start() {
    sb_init
    local units_src=${1:-$SB_UNITS}
    [[ -d $units_src ]] || sb_fail "no unit folder $units_src"
    [[ -z $SB_UNSHARE_PID ]] || sb_fail "sandbox already started"
    mkdir "$SB_WORK/rw" "$SB_WORK/root" "$SB_WORK/units"
    cp -a "$units_src/." "$SB_WORK/units/"
    cat >"$SB_WORK/units/$SB_TARGET" <<EOF
[Unit]
Description=notify-broker end-to-end sandbox (nothing of the boot sequence)
DefaultDependencies=no
# The journal, for debugging failed tests (journalctl inside the sandbox).
Wants=systemd-journald.socket systemd-journald-dev-log.socket
After=systemd-journald.socket systemd-journald-dev-log.socket
EOF
    local unit
    for unit in "${SB_MASKED_UNITS[@]}"; do
        [[ -e $SB_WORK/units/$unit ]] || ln -s /dev/null "$SB_WORK/units/$unit"
    done
    if [[ -n ${NB_E2E_SANITIZED:-} ]]; then
        # ASan builds: LeakSanitizer stops the world with ptrace, which the
        # units' hardening (SystemCallFilter=, NoNewPrivileges=) refuses, and it
        # then fails the exit. Leaks are checked where the broker runs outside
        # systemd (the integration tests under ASan); here only ASan+UBSan.
        local unit
        for unit in "$SB_WORK/units"/*.service; do
            [[ -f $unit ]] || continue
            mkdir -p "$unit.d"
            printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' >"$unit.d/nb-sanitizer.conf"
        done
    fi
    sb_check_units "$SB_WORK/units"

    # Host canaries: checked at teardown, so a leak fails the test.
    SB_CANARY=$(mktemp "/tmp/nb-e2e-canary.$$.XXXXXX")
    SB_HOST_DIGEST=$(sb_host_digest)

    # The namespace gets a cgroup of its own: systemd's whole hierarchy stays
    # below it, and cgroup.kill there ends everything at teardown.
    local cg2 self_cg
    cg2=$(sb_host_cgroup2_root)
    self_cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
    SB_CGROUP=$cg2${self_cg%/}/${SB_NAME}-${SB_WORK##*.}
    mkdir "$SB_CGROUP" || sb_fail "cannot create cgroup $SB_CGROUP"

    # Paths the tests use that the overlay (lower layer = root filesystem only)
    # would not show.
    local binds=() path
    for path in "$SB_LIB_DIR" ${NB_E2E_EXTRA_PATHS:-}; do
        [[ -e $path ]] || continue
        [[ $(stat -c %d "$path") == $(stat -c %d /) ]] || binds+=("$(findmnt -n -o TARGET -T "$path")")
    done

    local init=$SB_LIB_DIR/sandbox-init.sh
    (
        echo "$BASHPID" >"$SB_CGROUP/cgroup.procs"
        # If this test is killed outright (ctest timeout: SIGKILL, no trap),
        # unshare gets SIGKILL, and --kill-child passes it on to systemd.
        exec setpriv --pdeathsig SIGKILL \
            unshare --fork --pid --mount --uts --ipc --net --cgroup --kill-child=SIGKILL \
            bash "$init" "$SB_WORK" "$SB_WORK/units" "$SB_TARGET" "$SB_NAME" "${binds[@]}" \
            </dev/null >"$SB_WORK/console.log" 2>&1
    ) &
    SB_UNSHARE_PID=$!

    local deadline=$(($(sb_now) + ${NB_E2E_BOOT_TIMEOUT:-30} * 1000000)) exe=
    while :; do
        kill -0 "$SB_UNSHARE_PID" 2>/dev/null || {
            sb_dump_debug
            sb_fail "the sandbox exited while booting"
        }
        [[ -n $SB_PID1 ]] || SB_PID1=$(pgrep -P "$SB_UNSHARE_PID" | head -n1 || true)
        if [[ -n $SB_PID1 ]]; then
            exe=$(readlink "/proc/$SB_PID1/exe" 2>/dev/null || true)
            if [[ $exe == */systemd/systemd ]]; then
                case $(sb_in systemctl is-system-running 2>/dev/null) in
                running | degraded) break ;;
                esac
            fi
        fi
        (($(sb_now) < deadline)) || {
            sb_dump_debug
            sb_fail "systemd did not reach running within ${NB_E2E_BOOT_TIMEOUT:-30}s"
        }
        sleep 0.05
    done
    sb_assert_contained
    sb_log "systemd is running as PID 1 of the sandbox (host pid $SB_PID1, work $SB_WORK)"
}

# Fails if anything of the boot sequence became active inside.
sb_assert_contained() {
    local unit state
    for unit in sysinit.target basic.target systemd-tmpfiles-setup.service; do
        state=$(sb_in systemctl is-active "$unit" 2>/dev/null || true)
        [[ $state != active && $state != activating ]] || sb_fail "$unit is $state inside the sandbox"
    done
}

# Runs a command inside the sandbox (all its namespaces, its root).
sb_in() {
    [[ -n $SB_PID1 ]] || sb_fail "sandbox not started"
    nsenter -t "$SB_PID1" -m -p -u -i -n -C -r -w "$@"
}

sb_systemctl() { sb_in systemctl --no-pager "$@"; }
sb_journalctl() { sb_in journalctl --no-pager "$@"; }
sb_busctl() { sb_in busctl --no-pager "$@"; }

# Prints one property of a unit.
# The major version of the systemd the sandbox boots (/lib/systemd/systemd of
# this root: 252 on Debian 12, 257 on Debian 13). Works before sb_start.
sb_systemd_version() {
    /lib/systemd/systemd --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'
}

sb_prop() {
    sb_systemctl show -p "$2" --value "$1"
}

# Polls "$@" until it succeeds; fails the test after $1 seconds.
#   sb_wait_until SECONDS DESCRIPTION CMD...
sb_wait_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$(($(sb_now) + ${seconds%.*} * 1000000))
    until "$@" >/dev/null 2>&1; do
        (($(sb_now) < deadline)) || sb_fail "timed out after ${seconds}s waiting for: $what"
        sleep 0.02
    done
}

sb__prop_is() { [[ $(sb_prop "$1" "$2") == "$3" ]]; }
sb__prop_matches() { [[ $(sb_prop "$1" "$2") =~ $3 ]]; }

# Runs CHECK ARGS... until it succeeds or SECONDS have passed (0: once).
sb__poll() {
    local seconds=$1 deadline
    shift
    deadline=$(($(sb_now) + seconds * 1000000))
    until "$@"; do
        (($(sb_now) < deadline)) || return 0
        sleep 0.02
    done
}

# Waits (up to $4 seconds, default 0 = check once) until UNIT's PROP equals VALUE.
sb_expect_prop() {
    local unit=$1 prop=$2 want=$3 seconds=${4:-0} got
    sb__poll "$seconds" sb__prop_is "$unit" "$prop" "$want"
    got=$(sb_prop "$unit" "$prop")
    [[ $got == "$want" ]] || sb_fail "$unit $prop: expected '$want', got '$got'"
    sb_log "ok: $unit $prop=$got"
}

# Like sb_expect_prop with a bash regular expression.
sb_expect_prop_matches() {
    local unit=$1 prop=$2 re=$3 seconds=${4:-0} got
    sb__poll "$seconds" sb__prop_matches "$unit" "$prop" "$re"
    got=$(sb_prop "$unit" "$prop")
    [[ $got =~ $re ]] || sb_fail "$unit $prop: expected /$re/, got '$got'"
    sb_log "ok: $unit $prop=$got"
}

sb_dump_debug() {
    [[ -z $SB_DEBUG_DUMPED ]] || return 0
    SB_DEBUG_DUMPED=1
    if [[ -n $SB_PID1 ]] && kill -0 "$SB_PID1" 2>/dev/null; then
        echo "----- systemctl list-units --all (sandbox)" >&2
        sb_systemctl list-units --all --no-legend 2>&1 | grep -v "inactive *dead" | head -n 60 >&2 || true
        echo "----- journal (sandbox, last 150 lines)" >&2
        sb_journalctl -o short-monotonic -n 150 2>&1 >&2 || true
    fi
    if [[ -s $SB_WORK/pid1.log ]]; then
        echo "----- systemd's own log (sandbox PID 1, last 80 lines)" >&2
        tail -n 80 "$SB_WORK/pid1.log" >&2 || true
    fi
    if [[ -s $SB_WORK/console.log ]]; then
        echo "----- output of the sandbox's init script" >&2
        tail -n 60 "$SB_WORK/console.log" >&2 || true
    fi
}

# Always runs (EXIT trap): kill PID 1 of the namespace (everything in it dies
# with it), reap unshare, remove the cgroup and the work folder, then check
# the host canaries.
sb_teardown() {
    local status=$?
    trap - EXIT INT TERM HUP
    set +e
    ((status == 0)) || sb_dump_debug
    [[ -n $SB_PID1 ]] && kill -9 "$SB_PID1" 2>/dev/null
    [[ -n $SB_CGROUP && -e $SB_CGROUP/cgroup.kill ]] && echo 1 >"$SB_CGROUP/cgroup.kill" 2>/dev/null
    if [[ -n $SB_UNSHARE_PID ]]; then
        kill -9 "$SB_UNSHARE_PID" 2>/dev/null
        wait "$SB_UNSHARE_PID" 2>/dev/null
    fi
    if [[ -n $SB_CGROUP && -d $SB_CGROUP ]]; then
        local deadline=$(($(sb_now) + 5000000))
        while [[ -d $SB_CGROUP ]]; do
            # Deepest first; a cgroup whose last task is still exiting is busy.
            find "$SB_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null
            (($(sb_now) < deadline)) || {
                sb_log "could not remove cgroup $SB_CGROUP"
                status=1
                break
            }
            [[ -d $SB_CGROUP ]] && sleep 0.02
        done
    fi
    if [[ -n $SB_WORK && -d $SB_WORK ]]; then
        # The mounts lived only in the dead namespace; refuse to recurse into
        # one if something is somehow still mounted here.
        if findmnt -rn -o TARGET | grep -q "^$SB_WORK"; then
            sb_log "something is still mounted under $SB_WORK; not removing it"
            status=1
        else
            rm -rf --one-file-system "$SB_WORK"
        fi
    fi
    if [[ -n $SB_CANARY ]]; then
        if [[ ! -e $SB_CANARY ]]; then
            sb_log "SANDBOX LEAK: the host's /tmp lost $SB_CANARY"
            status=1
        fi
        rm -f "$SB_CANARY"
        if [[ $(sb_host_digest) != "$SB_HOST_DIGEST" ]]; then
            sb_log "SANDBOX LEAK: the host's /etc/passwd, group, shadow or machine-id changed"
            status=1
        fi
    fi
    if ((status == 0)); then
        sb_log "PASS"
    fi
    exit "$status"
}
