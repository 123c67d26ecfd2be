#!/usr/bin/env bash
# Spawn mode through the real notify-brokerd binary: the child gets the
# broker's socket, the broker exits with the child's status, and SIGTERM to the
# broker reaches the child. Usage: brokerd_spawn_test.sh path/to/notify-brokerd
set -euo pipefail
brokerd=$1
dir=$(mktemp -d /tmp/nb-brokerd-spawn-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The broker exits with the child's status. A broker without spawn mode would
#    keep running: timeout turns that into 124.
rc=0
timeout 20 "$brokerd" --socket "$dir/a.sock" --bus none -- sh -c 'exit 3' || rc=$?
[ "$rc" -eq 3 ] || fail "notify-brokerd -- sh -c 'exit 3' exited $rc, expected 3"
echo "ok: exit status 3 propagates"

# 2. N copies, each with the broker's socket and its own index.
rc=0
timeout 20 "$brokerd" --socket "$dir/b.sock" --bus none --workers 3 -- \
    sh -c 'echo "$NOTIFY_SOCKET" > "$0/env.$NOTIFY_BROKER_WORKER_INDEX"' "$dir" || rc=$?
[ "$rc" -eq 0 ] || fail "three copies: exit $rc"
for i in 0 1 2; do
    [ "$(cat "$dir/env.$i")" = "$dir/b.sock" ] || fail "copy $i got NOTIFY_SOCKET=$(cat "$dir/env.$i" 2>/dev/null)"
done
echo "ok: 3 copies got NOTIFY_SOCKET and their index"

# 3. SIGTERM to the broker is forwarded; the child's clean exit is the broker's.
mkfifo "$dir/up"
timeout 20 "$brokerd" --socket "$dir/c.sock" --bus none -- \
    bash -c 'trap "echo got-term > $0/term; exit 0" TERM; echo up > $0/up; while :; do sleep 0.05; done' "$dir" &
broker=$!
read -r -t 10 line < "$dir/up" || fail "the child never started"
kill -TERM "$broker"
rc=0
wait "$broker" || rc=$?
[ "$rc" -eq 0 ] || fail "broker exited $rc after SIGTERM, expected 0"
[ "$(cat "$dir/term" 2>/dev/null)" = got-term ] || fail "the child did not get SIGTERM"
echo "ok: SIGTERM forwarded, clean exit"

# 4. A command that cannot run: 127, like env(1).
rc=0
timeout 20 "$brokerd" --socket "$dir/d.sock" --bus none -- no-such-program-xyz 2>"$dir/err" || rc=$?
[ "$rc" -eq 127 ] || fail "missing command: exit $rc, expected 127"
grep -q "no-such-program-xyz" "$dir/err" || fail "the error does not name the command: $(cat "$dir/err")"
echo "ok: a missing command exits 127 and is named"

# 5. A broker killed outright (SIGKILL: no chance to forward) takes its workers
#    with it: they get SIGTERM from the kernel (PR_SET_PDEATHSIG).
"$brokerd" --socket "$dir/e.sock" --bus none -- sleep 100 2>/dev/null &
broker=$!
child=""
for _ in $(seq 100); do
    child=$(pgrep -P "$broker" sleep || true)
    [ -n "$child" ] && break
    sleep 0.05
done
[ -n "$child" ] || fail "the worker never started"
kill -KILL "$broker"
wait "$broker" 2>/dev/null || true
gone() { # exited: no process, or a zombie waiting for its new parent to reap it
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
    [ "$state" = Z ]
}
for _ in $(seq 100); do
    gone "$child" && break
    sleep 0.05
done
gone "$child" || fail "worker $child outlived its killed broker"
echo "ok: a killed broker's worker is terminated too"
