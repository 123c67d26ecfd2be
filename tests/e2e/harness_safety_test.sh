#!/usr/bin/env bash
# The harness's safety net works: a unit folder that could pull in the boot
# sequence (which once emptied the host's /tmp) is refused before anything
# is booted, and a safe folder is accepted.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/sandbox.sh"

scratch=$(mktemp -d "$PWD/safety.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

expect_refused() {
    local what=$1
    if (sb_check_units "$scratch") 2>/dev/null; then
        sb_fail "accepted a unit folder with $what"
    fi
    echo "ok: refused a unit folder with $what"
}
reset() { rm -rf "${scratch:?}"/*; }

printf '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n' >"$scratch/plain.service"
expect_refused "a unit without DefaultDependencies=no"

reset
printf '[Unit]\nDefaultDependencies=no\nWants=sysinit.target\n' >"$scratch/a.service"
expect_refused "a unit that wants sysinit.target"

reset
printf '[Unit]\nDefaultDependencies=no\n' >"$scratch/a.service"
mkdir "$scratch/multi-user.target.wants"
expect_refused "units enabled into multi-user.target"

reset
printf '[Socket]\nListenStream=/run/x\n' >"$scratch/x.socket"
expect_refused "a socket with default dependencies"

reset
printf '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n' >"$scratch/ok.service"
mkdir "$scratch/ok.service.d"
printf '[Unit]\nDefaultDependencies=no\n' >"$scratch/ok.service.d/e2e.conf"
ln -s /dev/null "$scratch/sysinit.target"
(sb_check_units "$scratch") || sb_fail "refused a safe folder (drop-in with DefaultDependencies=no)"
echo "ok: accepted a safe folder"
