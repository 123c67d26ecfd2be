#!/usr/bin/env bash
# Renders every man page with groff (all warnings on: -ww) and checks it with
# mandoc -T lint; any warning fails the test.
#   man_pages_test.sh MAN_DIR PAGE...
# scdoc (1.11 and 1.11.3) puts a paragraph macro right after each section
# heading and before each indented block, which mandoc reports as "skipping
# paragraph macro: PP empty/after SH" and drops, as groff does: the one
# message not counted here. Every other mandoc message of level WARNING or
# above fails.
set -uo pipefail
dir=${1:?usage: man_pages_test.sh MAN_DIR PAGE...}
shift
((${#@} > 0)) || { echo "FAIL: no pages given"; exit 1; }
for tool in groff mandoc; do
    command -v "$tool" >/dev/null || { echo "FAIL: no $tool (apt-get install groff mandoc)"; exit 1; }
done
failures=0
for page in "$@"; do
    file=$dir/$page
    if [[ ! -s $file ]]; then
        echo "FAIL: $file is missing or empty (build the nb_man_pages target)"
        failures=$((failures + 1))
        continue
    fi
    out=$(LC_ALL=C.UTF-8 groff -man -ww -z -K utf8 "$file" 2>&1)
    if [[ $? != 0 || -n $out ]]; then
        echo "FAIL: groff -ww warns on $page:"
        echo "$out"
        failures=$((failures + 1))
    fi
    out=$(mandoc -T lint -W warning "$file" 2>&1 |
        grep -v 'WARNING: skipping paragraph macro: PP \(empty\|after SH\)')
    if [[ -n $out ]]; then
        echo "FAIL: mandoc -T lint warns on $page:"
        echo "$out"
        failures=$((failures + 1))
    fi
    # The page's name and section are those it is installed under.
    name=${page%.*} section=${page##*.}
    if ! grep -q "^\.TH \"$name\" \"$section\"" "$file"; then
        echo "FAIL: $page's .TH does not name $name($section)"
        failures=$((failures + 1))
    fi
done
((failures == 0)) || exit 1
echo "all $# pages render without a warning"
