#!/usr/bin/env bash
# PID 1 of a fresh pid+mount+uts+ipc+net+cgroup namespace, before it becomes
# systemd. Builds a root where every write is thrown away and nothing of the
# host can be changed, then execs systemd in it.
#
# Why each step (see ../shared/SYSTEMD-SANDBOX.md — a private mount
# namespace alone once let systemd-tmpfiles empty the host's /tmp):
#   * overlay over / with a tmpfs upper: every write (and delete) lands in RAM;
#   * pivot_root + lazy unmount of the old root: the host's tree, including its
#     real /tmp, is not reachable from inside at all;
#   * fresh tmpfs on /run, /tmp, /var/tmp, /dev; only a few harmless device
#     nodes are bound in;
#   * /sys and /proc/sys read-only: kernel knobs (sysctls are mostly global)
#     cannot be changed;
#   * cgroup2 mounted inside the cgroup namespace: systemd's hierarchy is the
#     test's own cgroup, not the host's root;
#   * the capabilities that reach beyond the namespaces (modules, clock, kernel
#     log) are dropped from the bounding set.
#
# Usage (only from sandbox.sh): sandbox-init.sh WORK UNITS TARGET NAME [BIND...]
set -euo pipefail

work=$1 units=$2 target=$3 name=$4
shift 4

die() {
    echo "sandbox-init: $*" >&2
    exit 1
}
[[ $$ == 1 ]] || die "must run as PID 1 of a new pid namespace (pid $$)"

mount --make-rprivate /

mount -t tmpfs -o mode=0755 nb-e2e-rw "$work/rw"
mkdir "$work/rw/upper" "$work/rw/work"
mount -t overlay overlay \
    -o "lowerdir=/,upperdir=$work/rw/upper,workdir=$work/rw/work" "$work/root"
root=$work/root

# Paths the tests need that live on another filesystem than / (overlay's
# lower layer is only the root filesystem): bound read-only at the same path.
for path in "$@"; do
    mkdir -p "$root$path"
    mount --bind "$path" "$root$path"
    mount -o remount,bind,ro "$root$path"
done

mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
for ro in sys sysrq-trigger; do
    [[ -e $root/proc/$ro ]] || continue
    mount --bind "$root/proc/$ro" "$root/proc/$ro"
    mount -o remount,bind,ro "$root/proc/$ro"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"

mount -t tmpfs -o mode=0755,nosuid,size=4m nb-e2e-dev "$root/dev"
for node in null zero full random urandom tty; do
    touch "$root/dev/$node"
    mount --bind "/dev/$node" "$root/dev/$node"
done
# systemd points its own stdio at /dev/null; it logs (--log-target=kmsg) to a
# "kernel log" that is a plain file the harness prints when a test fails.
touch "$root/dev/console" "$root/dev/kmsg" "$work/pid1.log"
mount --bind "$work/pid1.log" "$root/dev/console"
mount --bind "$work/pid1.log" "$root/dev/kmsg"
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev nb-e2e-shm "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

mount -t tmpfs -o mode=0755,nosuid,nodev nb-e2e-run "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev nb-e2e-tmp "$root/tmp"
mount -t tmpfs -o mode=1777,nosuid,nodev nb-e2e-vartmp "$root/var/tmp"

mount --bind "$units" "$root/etc/systemd/system"
mount -o remount,bind,ro "$root/etc/systemd/system"

cd "$root"
mkdir .nb-e2e-oldroot
pivot_root . .nb-e2e-oldroot
cd /
umount -l /.nb-e2e-oldroot
rmdir /.nb-e2e-oldroot
# From here on the host's filesystem is gone from this namespace.

exec setpriv \
    --bounding-set -sys_module,-sys_time,-syslog,-wake_alarm,-block_suspend,-mac_admin,-mac_override \
    env -i container="$name" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --system --unit="$target" \
    --log-target=kmsg --log-level=info --show-status=no
