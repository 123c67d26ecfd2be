#!/usr/bin/env bash
# notify-brokerd --check-config: prints the effective settings as TOML that
# reads back to the same output, exits 0; a bad file exits non-zero with
# file:line:col. Usage: check_config_test.sh path/to/notify-brokerd example.toml
set -euo pipefail
brokerd=$1
example=$2
dir=$(mktemp -d /tmp/nb-check-config-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$brokerd" --check-config --config "$example" --socket /tmp/x.sock --log-level debug > "$dir/first.toml" \
    || fail "the example config was refused"
grep -q '^\[broker\]' "$dir/first.toml" || fail "no TOML on stdout: $(head -3 "$dir/first.toml")"
grep -q '^log_level = "debug"' "$dir/first.toml" || fail "the --log-level override is not shown"
"$brokerd" --check-config --config "$dir/first.toml" > "$dir/second.toml" \
    || fail "the printed config does not load back"
# Only the header line (which names the source file) may differ.
diff <(tail -n +2 "$dir/first.toml") <(tail -n +2 "$dir/second.toml") \
    || fail "the printed config changes when read back"
echo "ok: --check-config output round-trips"

printf '[broker]\nmax_workers = -1\n' > "$dir/bad.toml"
rc=0
"$brokerd" --check-config --config "$dir/bad.toml" 2> "$dir/err" >/dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "a bad config was accepted"
grep -q "$dir/bad.toml:2:15: broker.max_workers: -1 is negative" "$dir/err" \
    || fail "unexpected error text: $(cat "$dir/err")"
echo "ok: a bad config exits $rc with file:line:col"
