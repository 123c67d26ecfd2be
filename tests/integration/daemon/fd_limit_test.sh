#!/usr/bin/env bash
# notify-brokerd makes room for its pool's pidfds: it raises RLIMIT_NOFILE's
# soft limit to the hard one, and warns when max_workers and one recvmmsg
# batch's fds (32 datagrams x (253 SCM_RIGHTS + 1 SCM_PIDFD) = 8128) plus 128
# of its own (12352 for the default max_workers=4096) still cannot fit.
#   fd_limit_test.sh NOTIFY_BROKERD
set -euo pipefail
brokerd=${1:?usage: fd_limit_test.sh NOTIFY_BROKERD}
dir=$(mktemp -d /tmp/nb-fd-limit-XXXXXX)
broker=""
cleanup() {
    [ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$dir/stderr" >&2 || true; exit 1; }

# Starts the broker under the given soft:hard limit; returns once its socket exists.
start() {
    prlimit --nofile="$1" -- env -u NOTIFY_SOCKET "$brokerd" --socket "$dir/sock" --expect 2 \
        --bus none 2>"$dir/stderr" &
    broker=$!
    for _ in $(seq 100); do [ -S "$dir/sock" ] && return 0; sleep 0.05; done
    fail "the broker did not create its socket"
}
stop() { kill "$broker"; wait "$broker" || true; broker=""; rm -f "$dir/sock"; }
soft_limit() { awk '/^Max open files/ { print $4 }' "/proc/$broker/limits"; }

start 1024:12352
[ "$(soft_limit)" = 12352 ] || fail "soft limit is $(soft_limit), expected it raised to 12352"
! grep -q 'fd limit' "$dir/stderr" || fail "warned although 12352 fds fit 4096 workers and a batch"
stop

# 8192 fits the workers but not a batch's worth of received fds besides them.
start 8192:8192
grep -q 'fd limit (8192) leaves room for fewer than max_workers=4096 watched workers and one receive.s 8128 fds (12352 needed)' "$dir/stderr" ||
    fail "no warning that 8192 fds cannot hold 4096 workers and one batch"
stop

start 512:512
[ "$(soft_limit)" = 512 ] || fail "soft limit is $(soft_limit), expected 512"
grep -q 'fd limit (512) leaves room for fewer than max_workers=4096' "$dir/stderr" ||
    fail "no warning that 512 fds cannot hold 4096 workers"
stop
echo "ok: soft limit raised to the hard one; shortfall warned"
