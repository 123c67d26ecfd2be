#!/usr/bin/env bash
# The Debian packages, installed the Debian way, run the pool scenario of
# pool_ready_test.sh with their own units and binaries (not the build tree's):
# `dpkg -i` inside the sandbox (its root is an overlay on tmpfs: nothing of the
# host changes) creates the user (sysusers.d) and the runtime folder
# (tmpfiles.d), enables and starts notify-brokerd.socket but not the service,
# and installs the config as a conffile; then, as README's steps say, the
# config describes a pool of four, `systemctl enable example-worker@{1..4}`,
# and `systemctl start notify-brokerd` blocks until the four are ready.
# Finally `dpkg --purge` takes it all away again.
#   NB_DEB_DIR=DIR (the .debs of .ci/deb) bash package_install_test.sh   (as root)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

deb_dir=${NB_DEB_DIR:-}
[[ -n $deb_dir && -d $deb_dir ]] || sb_fail "NB_DEB_DIR is not a folder of built packages ('$deb_dir'): run bash .ci/deb"
debs=()
for package in notify-brokerd notify-broker libnotify-broker-client-dev; do
    deb=$(find "$deb_dir" -maxdepth 1 -name "${package}_*.deb" | sort | tail -n1)
    [[ -n $deb ]] || sb_fail "no ${package}_*.deb in $deb_dir"
    debs+=("$deb")
done
# Bound into the sandbox when it lives on another filesystem than /.
export NB_E2E_EXTRA_PATHS="${NB_E2E_EXTRA_PATHS:-} $deb_dir"

sb_init
# The packaged units only get what the sandbox needs (no boot dependencies),
# as drop-ins ready before they exist; the unit files come from the package.
for unit in notify-brokerd.service notify-brokerd.socket notify-brokerd@.service \
    notify-brokerd@.socket example-worker@.service example-sandboxed-helper.service; do
    printf '[Unit]\nDefaultDependencies=no\n' | nb_dropin "$unit" 00-e2e-sandbox
done
sb_start

# The harness binds /etc/systemd/system read-only; the package's postinst
# enables the socket there (deb-systemd-helper). A writable overlay on the
# sandbox's own tmpfs /run takes those symlinks; it dies with the sandbox.
sb_in sh -ec 'mkdir -p /run/nb-e2e-etc-systemd/upper /run/nb-e2e-etc-systemd/work
    mount -t overlay overlay -o lowerdir=/etc/systemd/system,upperdir=/run/nb-e2e-etc-systemd/upper,workdir=/run/nb-e2e-etc-systemd/work /etc/systemd/system' ||
    sb_fail "cannot make /etc/systemd/system writable inside the sandbox"

# A container image's /usr/sbin/policy-rc.d ("exit 101": never start services
# from maintainer scripts) does not belong in the booted system the sandbox
# is; removed from the sandbox's overlay only, so postinst acts as on a host.
sb_in rm -f /usr/sbin/policy-rc.d

if sb_in dpkg-query -W -f='${Status}' notify-brokerd 2>/dev/null | grep -q 'install ok installed'; then
    sb_fail "notify-brokerd is already installed on this machine: the test would not show what the package does"
fi
sb_log "installing ${debs[*]##*/}"
sb_in env DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" >"$SB_WORK/dpkg.log" 2>&1 || {
    cat "$SB_WORK/dpkg.log" >&2
    sb_fail "dpkg -i failed inside the sandbox"
}

# The Debian way: user and group from sysusers.d, runtime folder from tmpfiles.d.
sb_in getent passwd notify-broker >/dev/null || sb_fail "the package created no notify-broker user"
sb_in getent group notify-broker >/dev/null || sb_fail "the package created no notify-broker group"
owner=$(sb_in stat -c %U:%G /run/notify-broker) || sb_fail "the package created no /run/notify-broker"
[[ $owner == notify-broker:notify-broker ]] || sb_fail "/run/notify-broker is $owner, not notify-broker:notify-broker"
# Debian's convention as debian/rules applies it: the socket enabled and
# started, the service neither (its start waits for a configured pool).
sb_expect_prop notify-brokerd.socket UnitFileState enabled
sb_expect_prop notify-brokerd.socket ActiveState active
sb_expect_prop notify-brokerd.service UnitFileState disabled
sb_expect_prop notify-brokerd.service ActiveState inactive
sb_in test -S /run/notify-broker/notify.sock || sb_fail "the socket unit made no /run/notify-broker/notify.sock"
sb_in dpkg-query -W -f='${Conffiles}\n' notify-brokerd | grep -q '^ /etc/notify-broker/notify-brokerd.toml ' ||
    sb_fail "/etc/notify-broker/notify-brokerd.toml is not a conffile of notify-brokerd"
for file in /usr/share/dbus-1/system.d/org.notifybroker.Broker1.conf \
    /usr/share/man/man8/notify-brokerd.8.gz /usr/share/man/man1/notify-broker.1.gz \
    /usr/share/man/man5/notify-brokerd.toml.5.gz /usr/share/man/man5/org.notifybroker.Broker1.5.gz \
    /usr/share/bash-completion/completions/notify-broker /usr/share/zsh/vendor-completions/_notify-brokerd \
    /usr/lib/pkgconfig/notify-broker-client.pc; do
    case $file in
    /usr/lib/pkgconfig/*) file=$(sb_in sh -c 'ls /usr/lib/*/pkgconfig/notify-broker-client.pc') || sb_fail "no notify-broker-client.pc" ;;
    esac
    sb_in test -s "$file" || sb_fail "the packages installed no $file"
done
sb_in /usr/bin/notify-broker --version | grep -q '^notify-broker ' || sb_fail "the installed notify-broker does not run"

# The pool scenario (pool_ready_test.sh): four workers, ready 1.5 s after they
# start; the config as the administrator edits it, checked by the installed daemon.
config=/etc/notify-broker/notify-brokerd.toml
printf '[broker]\nlog_level = "debug"\nstatus_interval = "100ms"\n[dbus]\nbus = "none"\n[[group]]\nname = "web"\nexpect = 4\nmatch = ["web-*"]\nwatchdog = "5s"\n' |
    sb_in tee "$config" >/dev/null
sb_in /usr/bin/notify-brokerd --check-config --config "$config" >/dev/null ||
    sb_fail "the installed notify-brokerd refuses the test's config"
unit_file=$(sb_prop example-worker@1.service FragmentPath)
exec_start=$(sb_in sed -n 's/^ExecStart=\([^ ]* [^ ]*\) .*/\1/p' "$unit_file")
[[ $exec_start == /usr/libexec/notify-broker/example-worker\ * ]] ||
    sb_fail "example-worker@.service does not run the installed example worker: '$exec_start'"
sb_in mkdir -p /etc/systemd/system/example-worker@.service.d
printf '[Service]\nExecStart=\nExecStart=%s --start-delay 1.5 --ping 1\n' "$exec_start" |
    sb_in tee /etc/systemd/system/example-worker@.service.d/10-e2e-worker-args.conf >/dev/null
sb_systemctl enable example-worker@{1..4}.service >/dev/null 2>&1 ||
    sb_fail "systemctl enable example-worker@{1..4}.service failed"
sb_systemctl daemon-reload

nb_start_taking_at_least 1400 "before the workers could be ready"
sb_expect_prop notify-brokerd.service ActiveState active
sb_expect_prop notify-brokerd.service SubState running
sb_expect_prop_matches notify-brokerd.service StatusText '^4/4 workers ready' 2
for i in 1 2 3 4; do
    sb_expect_prop "example-worker@$i.service" ActiveState active
done
# The package's unit and binary, not the build tree's.
fragment=$(sb_prop notify-brokerd.service FragmentPath)
[[ $fragment == /lib/systemd/system/notify-brokerd.service || $fragment == /usr/lib/systemd/system/notify-brokerd.service ]] ||
    sb_fail "notify-brokerd.service comes from $fragment, not the package"
main_pid=$(sb_prop notify-brokerd.service MainPID)
exe=$(sb_in readlink "/proc/$main_pid/exe")
[[ $exe == /usr/bin/notify-brokerd ]] || sb_fail "the broker runs $exe, not /usr/bin/notify-brokerd"
sb_log "ok: $fragment runs $exe (pid $main_pid)"
nb_broker_log | tail -n 20

# And away again: purge removes the units, the binaries and the conffile.
sb_systemctl stop notify-brokerd.service notify-brokerd.socket 'example-worker@*.service'
sb_systemctl disable example-worker@{1..4}.service >/dev/null 2>&1 || true
sb_in env DEBIAN_FRONTEND=noninteractive dpkg --purge notify-brokerd notify-broker libnotify-broker-client-dev \
    >"$SB_WORK/dpkg-purge.log" 2>&1 || {
    cat "$SB_WORK/dpkg-purge.log" >&2
    sb_fail "dpkg --purge failed inside the sandbox"
}
for file in "$fragment" /usr/bin/notify-brokerd /usr/bin/notify-broker "$config"; do
    ! sb_in test -e "$file" || sb_fail "$file is still there after dpkg --purge"
done
sb_log "ok: purged"
