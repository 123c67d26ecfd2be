#!/usr/bin/env bash
# A sender the rate limit refuses costs the broker no /proc read: two processes
# the policy refuses (so never watched: uid 65534) send 1000 datagrams each,
# in turns (the broker caches one unwatched sender's unit),
# with a burst of 5; the broker's openat() calls (strace) of /proc/*/cgroup
# stay within what the buckets let through (2 x burst, plus a refill), not one
# per datagram.
#   proc_reads_test.sh NOTIFY_BROKERD
set -euo pipefail
brokerd=${1:?usage: proc_reads_test.sh NOTIFY_BROKERD}
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 77; }
dir=$(mktemp -d /tmp/nb-proc-reads-XXXXXX)
chmod 755 "$dir" # the senders run as nobody
broker=""
tracer=""
cleanup() {
    [ -n "$tracer" ] && kill "$tracer" 2>/dev/null && wait "$tracer" 2>/dev/null
    [ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$dir/stderr" >&2 || true; exit 1; }

cat >"$dir/broker.toml" <<'TOML'
[rate_limit]
burst = 5
per_second = 1

[[group]]
name = "pool"
expect = 1

[[allow]]
uid = 0
TOML
env -u NOTIFY_SOCKET "$brokerd" --socket "$dir/sock" --socket-mode 0666 --bus none --config "$dir/broker.toml" \
    2>"$dir/stderr" &
broker=$!
for _ in $(seq 100); do [ -S "$dir/sock" ] && break; sleep 0.05; done
[ -S "$dir/sock" ] || fail "the broker did not create its socket"
strace -f -e trace=openat -o "$dir/trace" -p "$broker" 2>/dev/null &
tracer=$!
sleep 0.5 # attached
python3 - "$dir/sock" <<'PY'
import os, socket, sys, time
# Two senders taking turns: a pipe pair passes the turn back and forth.
a_read, b_write = os.pipe()
b_read, a_write = os.pipe()
child = os.fork()
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)
mine, theirs = (b_read, b_write) if child == 0 else (a_read, a_write)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if child != 0:
    os.write(theirs, b"x")  # the child goes first
for i in range(1000):
    os.read(mine, 1)
    s.sendto(b"STATUS=flood %d" % i, sys.argv[1])
    os.write(theirs, b"x")
if child == 0:
    os._exit(0)
os.waitpid(child, 0)
PY
sleep 1
kill "$tracer"; wait "$tracer" 2>/dev/null || true; tracer=""
reads=$(grep -c '/proc/[0-9]*/cgroup' "$dir/trace" || true)
kill "$broker"; wait "$broker" || true; broker=""
grep -q 'rate-limited=' "$dir/stderr" || fail "nothing was rate-limited"
echo "the broker read /proc/*/cgroup $reads times for 2000 datagrams of two rate-limited senders"
[ "$reads" -le 20 ] || fail "$reads /proc/*/cgroup reads for two rate-limited senders"
echo "ok"
