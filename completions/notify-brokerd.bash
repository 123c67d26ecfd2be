# bash completion for notify-brokerd(8)                    -*- shell-script -*-
# Installed as completions/notify-brokerd for bash-completion (loaded on demand).

_notify_brokerd()
{
    local cur prev words cword split
    _init_completion -s || return

    # After `--`: the command the broker spawns.
    # (_command_offset counts in COMP_WORDS, where '=' is a word of its own.)
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == -- ]]; then
            _command_offset $((i + 1))
            return
        fi
    done

    case $prev in
        --config)
            _filedir toml
            return
            ;;
        --socket)
            _filedir
            return
            ;;
        --socket-group)
            COMPREPLY=($(compgen -g -- "$cur"))
            return
            ;;
        --log-level)
            COMPREPLY=($(compgen -W 'err warning notice info debug' -- "$cur"))
            return
            ;;
        --bus)
            COMPREPLY=($(compgen -W 'system session none unix:path=' -- "$cur"))
            [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
            return
            ;;
        --bus-name)
            COMPREPLY=($(compgen -W 'org.notifybroker.Broker1' -- "$cur"))
            return
            ;;
        --socket-mode)
            COMPREPLY=($(compgen -W '0660 0666 0600' -- "$cur"))
            return
            ;;
        --status-interval)
            COMPREPLY=($(compgen -W '100ms 500ms 1s' -- "$cur"))
            return
            ;;
        --expect | --workers)
            return
            ;;
    esac
    $split && return

    COMPREPLY=($(compgen -W '--help --version --config --check-config --socket
        --socket-mode --socket-group --expect --log-level --bus --bus-name
        --status-interval --workers --' -- "$cur"))
} &&
    complete -F _notify_brokerd notify-brokerd

# ex: filetype=sh
