# bash completion for notify-broker(1)                     -*- shell-script -*-
# Installed as completions/notify-broker for bash-completion (loaded on demand).

# Well-known names of running brokers on a bus (busctl, when it answers).
_notify_broker_bus_names()
{
    local bus=--system
    case ${1-} in
        session) bus=--user ;;
        unix:* | tcp:*) bus=--address=$1 ;;
    esac
    busctl "$bus" --no-legend --acquired list 2>/dev/null |
        command awk '$1 ~ /^org\.notifybroker\.Broker1/ { print $1 }'
    printf '%s\n' org.notifybroker.Broker1
}

_notify_broker()
{
    local cur prev words cword split
    _init_completion -s || return

    # The command, if any: the first word after the program that is not an
    # option or an assignment.
    local i command="" bus="" exec_at=0 fork_at=0 exec_mode=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --exec) exec_mode=1 ;;
            --fork) exec_mode=fork ;;
            --bus=*) bus=${words[i]#--bus=} ;;
            # The separator as typed in a shell: \; or ';' (a bare ; ends the command).
            '\;' | "';'" | '";"' | ';') [[ $exec_mode == 1 ]] && { exec_at=$i; break; } ;;
            --) [[ $exec_mode == fork ]] && { fork_at=$i; break; } ;;
            listen | status | workers | watch | metrics)
                [[ $i == 1 ]] && command=${words[i]}
                ;;
        esac
    done
    # After --exec ... ';' or --fork ... '--': a command line of its own.
    # _command_offset counts in COMP_WORDS, which (unlike words) keeps '=' and
    # ':' as words of their own: find the separator there.
    local separator_at=$exec_at
    ((fork_at > 0)) && separator_at=$fork_at
    if ((separator_at > 0)); then
        for ((i = 1; i < COMP_CWORD; i++)); do
            if [[ ${COMP_WORDS[i]} == "${words[separator_at]}" ]]; then
                _command_offset $((i + 1))
                return
            fi
        done
    fi

    case $command in
        listen)
            case $prev in
                --socket)
                    _filedir
                    return
                    ;;
                --count | --timeout)
                    return
                    ;;
            esac
            $split && return
            COMPREPLY=($(compgen -W '--help --socket= --json --count= --exit-on-ready
                --timeout=' -- "$cur"))
            [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
            return
            ;;
        status | workers | watch | metrics)
            case $prev in
                --bus)
                    COMPREPLY=($(compgen -W 'system session unix:path=' -- "$cur"))
                    [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
                    return
                    ;;
                --bus-name)
                    COMPREPLY=($(compgen -W '$(_notify_broker_bus_names "$bus")' -- "$cur"))
                    return
                    ;;
                --count | --timeout)
                    return
                    ;;
            esac
            $split && return
            local opts='--help --bus= --bus-name= --json'
            [[ $command == watch ]] && opts+=' --count= --timeout='
            [[ $command == metrics ]] && opts='--help --bus= --bus-name= --openmetrics'
            COMPREPLY=($(compgen -W "$opts" -- "$cur"))
            [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
            return
            ;;
    esac

    # systemd-notify's options.
    case $prev in
        --pid)
            # An optional value: only --pid=VALUE (--pid VALUE is --pid, then an assignment).
            if $split; then
                COMPREPLY=($(compgen -W 'auto self parent' -- "$cur"))
                [[ $cur == [0-9]* ]] && _pids
                return
            fi
            ;;
        --uid)
            COMPREPLY=($(compgen -u -- "$cur"))
            return
            ;;
        --fd)
            # The descriptors this shell would pass on.
            COMPREPLY=($(compgen -W "$(command ls /proc/$$/fd 2>/dev/null)" -- "$cur"))
            return
            ;;
        --status | --fdname)
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--help --version --ready --reloading --stopping
            --pid --pid= --uid= --status= --booted --no-block --exec --fd= --fdname=
            --fork --quiet' -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi
    if [[ $exec_mode == fork ]]; then
        COMPREPLY=($(compgen -W '--' -- "$cur"))
        return
    fi
    local words_offered='READY=1 RELOADING=1 STOPPING=1 WATCHDOG=1 WATCHDOG=trigger
        STATUS= MAINPID= ERRNO= BUSERROR= EXIT_STATUS= MONOTONIC_USEC=
        EXTEND_TIMEOUT_USEC= WATCHDOG_USEC= FDSTORE=1 FDSTOREREMOVE=1 FDNAME=
        FDPOLL=0 BARRIER=1 X_WORKER='
    [[ $exec_mode == 1 ]] && words_offered+=' \\;'
    ((cword == 1)) && words_offered+=' listen status workers watch metrics'
    COMPREPLY=($(compgen -W "$words_offered" -- "$cur"))
    [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
} &&
    complete -F _notify_broker notify-broker

# ex: filetype=sh
