#!/usr/bin/env bash
# What `notify-brokerd --workers 4 -- pool-worker.sh` runs four times: copy i
# (NOTIFY_BROKER_WORKER_INDEX, set by the broker) becomes one of four workers
# written with four different sd_notify clients, ready at different times.
#   NB_DEMO_CLIENT_WORKER  path of nb-demo-client-worker (built from tests/demo)
#   NB_DEMO_PLAIN_WORKER   path of units/example-worker.py (plain Python sockets)
here=$(cd "$(dirname "$0")" && pwd)
case ${NOTIFY_BROKER_WORKER_INDEX:?run me from notify-brokerd} in
0) exec "$here/shell-worker.sh" shell-0 1 ;;
1) exec "${NB_DEMO_CLIENT_WORKER:?}" client-1 2.5 ;;
2) exec /usr/bin/python3 "$here/python-worker.py" python-2 4 ;;
3) exec /usr/bin/python3 "${NB_DEMO_PLAIN_WORKER:?}" plain-3 --start-delay 5.5 --ping 1 ;;
*) echo "pool-worker.sh: no worker #$NOTIFY_BROKER_WORKER_INDEX" >&2; exit 2 ;;
esac
