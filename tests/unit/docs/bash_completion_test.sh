#!/usr/bin/env bash
# Drives the bash completion functions of notify-broker and notify-brokerd as
# bash itself would (COMP_WORDS split at COMP_WORDBREAKS, COMP_CWORD,
# COMP_LINE, COMP_POINT), with bash-completion's own library loaded, and
# checks what they offer.
#   bash_completion_test.sh COMPLETIONS_DIR
set -uo pipefail
dir=${1:?usage: bash_completion_test.sh COMPLETIONS_DIR}
library=${NB_BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
[[ -r $library ]] || { echo "FAIL: no $library (apt-get install bash-completion)"; exit 1; }

# bash_completion reads (and needs) an interactive-looking shell's settings only.
# shellcheck source=/dev/null
source "$library" || { echo "FAIL: cannot load $library"; exit 1; }
# shellcheck source=/dev/null
source "$dir/notify-broker.bash" || { echo "FAIL: cannot load notify-broker.bash"; exit 1; }
# shellcheck source=/dev/null
source "$dir/notify-brokerd.bash" || { echo "FAIL: cannot load notify-brokerd.bash"; exit 1; }

failures=0
offered=()

# complete_line 'notify-broker --pid=se' : the cursor at the end of the line.
complete_line() {
    local line=$1 word rest piece
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMP_WORDS=()
    # Split at blanks, then at the word breaks bash-completion rejoins (= and :),
    # keeping each break character as a word of its own, as readline does.
    read -r -a parts <<<"$line"
    for word in "${parts[@]}"; do
        rest=$word
        while [[ $rest =~ ^([^=:]*)([=:])(.*)$ ]]; do
            piece=${BASH_REMATCH[1]}
            [[ -n $piece ]] && COMP_WORDS+=("$piece")
            COMP_WORDS+=("${BASH_REMATCH[2]}")
            rest=${BASH_REMATCH[3]}
        done
        [[ -n $rest ]] && COMP_WORDS+=("$rest")
    done
    if [[ $line == *' ' ]]; then
        COMP_WORDS+=("")
    fi
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    local function
    function=$(complete -p "${COMP_WORDS[0]}" 2>/dev/null | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
    [[ -n $function ]] || { echo "FAIL: no completion registered for ${COMP_WORDS[0]}"; failures=$((failures + 1)); return; }
    local prev=""
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    "$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "$prev" 2>/dev/null
    offered=("${COMPREPLY[@]}")
}

has() {
    local want=$1 w
    for w in "${offered[@]}"; do [[ $w == "$want" ]] && return 0; done
    return 1
}

# expect 'LINE' OFFERED... [-- NOT-OFFERED...]
expect() {
    local line=$1
    shift
    complete_line "$line"
    local negate=0 want
    for want in "$@"; do
        if [[ $want == -- ]]; then
            negate=1
            continue
        fi
        if ((negate == 0)) && ! has "$want"; then
            echo "FAIL: '$line<TAB>' does not offer '$want' (offers: ${offered[*]})"
            failures=$((failures + 1))
        elif ((negate == 1)) && has "$want"; then
            echo "FAIL: '$line<TAB>' offers '$want' (offers: ${offered[*]})"
            failures=$((failures + 1))
        fi
    done
}

# notify-broker: subcommands and systemd-notify's assignments first.
expect 'notify-broker ' listen status workers watch READY=1 STATUS= X_WORKER=
expect 'notify-broker st' status -- listen READY=1 STATUS=
expect 'notify-broker --ready ' READY=1 -- listen status
# systemd-notify's options, including 257/258's.
expect 'notify-broker --' --ready --reloading --stopping --pid --pid= --uid= --status= \
    --booted --no-block --exec --fd= --fdname= --fork --quiet --help --version
expect 'notify-broker --re' --ready --reloading -- --stopping
# --pid's forms: --pid alone, --pid=auto|self|parent|PID; --pid VALUE is not one.
expect 'notify-broker --pid=' auto self parent
expect 'notify-broker --pid=se' self -- auto parent
expect "notify-broker --pid=$$" "$$"
expect 'notify-broker --pid ' READY=1 -- auto self
expect 'notify-broker --uid=roo' root
expect 'notify-broker --fd=' 0 1 2
# After --exec ... ';' and --fork ... '--': a command line of its own.
expect 'notify-broker --exec READY=1 ' '\;' READY=1
expect 'notify-broker --exec READY=1 \; ech' echo -- READY=1
expect "notify-broker --exec READY=1 ';' ech" echo -- READY=1
expect 'notify-broker --fork ' --
expect 'notify-broker --fork -- ech' echo
# The subcommands' own options and values.
expect 'notify-broker status --' --bus= --bus-name= --json --help -- --ready --count= --socket=
expect 'notify-broker workers --j' --json
expect 'notify-broker watch --' --bus= --bus-name= --json --count= --timeout=
expect 'notify-broker status --bus=' system session unix:path= -- none
expect 'notify-broker status --bus s' system session
expect 'notify-broker status --bus-name=' org.notifybroker.Broker1
expect 'notify-broker listen --' --socket= --json --count= --exit-on-ready --timeout= --help -- --bus=

# notify-brokerd.
expect 'notify-brokerd --' --config --check-config --socket --socket-mode --socket-group \
    --expect --log-level --bus --bus-name --status-interval --workers --help --version
expect 'notify-brokerd --log-level ' err warning notice info debug
expect 'notify-brokerd --log-level=d' debug -- info
expect 'notify-brokerd --bus ' system session none
expect 'notify-brokerd --socket-group ro' root
expect 'notify-brokerd --workers 2 -- ech' echo -- --config

if ((failures > 0)); then
    echo "$failures completion check(s) failed"
    exit 1
fi
echo "all completion checks passed"
