#!/bin/bash
# docker-20.sh up|down|status [--purge]
#
# Docker Engine 20.10 (API 1.41) for the tests: Debian bookworm's docker.io,
# started by hand (no systemd), with its own socket, data-root, exec-root,
# pidfile and containerd namespace, so that it never collides with a user's own
# dockerd on /var/run/docker.sock.
#
#   socket     unix:///run/wharf/docker-20.sock
#   data-root  /var/lib/wharf/docker-20
#   exec-root  /run/wharf/docker-20
#   log        /var/log/wharf/docker-20.log
#
# It uses the default bridge docker0 (172.17.0.0/16) and manages iptables; the
# docker-28 engine beside it has its own bridge and runs with --iptables=false,
# so either can start first.
set -euo pipefail
ENGINE=docker-20
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$(dirname "$0")/lib.sh"

SOCK=$WHARF_RUN/docker-20.sock
PIDFILE=$WHARF_RUN/docker-20.pid
DATA_ROOT=$WHARF_LIB/docker-20
EXEC_ROOT=$WHARF_RUN/docker-20
LOG=$WHARF_LOG/docker-20.log

daemon_pid() { daemon_serving dockerd "unix://$SOCK "; }

status() { api_status; }

# docker0 exists only while a daemon keeps it: a second dockerd in this network
# namespace can delete it (docker-28.sh takes care not to), and then every
# container start here fails with "could not find bridge docker0". Put it back.
repair_docker0() {
    ip link show docker0 >/dev/null 2>&1 && return 0
    local cidr
    cidr=$(curl -s -m 5 --unix-socket "$SOCK" http://d/networks/bridge | python3 -c '
import json, sys
c = json.load(sys.stdin)["IPAM"]["Config"][0]
print(c["Gateway"] + "/" + c["Subnet"].split("/")[1])') || cidr=172.17.0.1/16
    log "bridge docker0 is gone (deleted by another daemon?): recreating it with $cidr"
    ip link add docker0 type bridge
    ip addr add "$cidr" dev docker0
    ip link set docker0 up
}

up() {
    require_root
    if api_ping "$SOCK" && daemon_pid >/dev/null; then
        repair_docker0
        log "already up: $(api_version "$SOCK")"
        echo "DOCKER_HOST=unix://$SOCK"
        return 0
    fi
    ensure_pkgs docker.io iptables curl python3
    local v
    v=$(dpkg-query -W -f='${Version}' docker.io)
    case $v in 20.10.*) ;; *) log "warning: docker.io is $v, not 20.10 (API 1.41)" ;; esac

    local pid
    if pid=$(daemon_pid); then
        log "dockerd pid $pid is alive but does not answer on $SOCK; stopping it first"
        stop_pid "$pid" 60
    fi
    rm -f "$SOCK" "$PIDFILE"
    mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
    stop_leftover_containerd "$EXEC_ROOT"
    # The bridge docker0 exists only while some daemon keeps it; if another
    # dockerd deleted it under us, this daemon recreates it when it starts.
    local dgid
    dgid=$(getent group docker | cut -d: -f3 || true)
    log "starting dockerd $v (log: $LOG)"
    echo "===== $(date -Is) docker-20.sh up" >>"$LOG"
    # --containerd-namespace: if a system containerd runs, dockerd uses it (else
    # it starts its own under the exec-root); keep our objects apart from a user's.
    setsid /usr/sbin/dockerd \
        --host "unix://$SOCK" \
        --group "${dgid:-0}" \
        --pidfile "$PIDFILE" \
        --data-root "$DATA_ROOT" \
        --exec-root "$EXEC_ROOT" \
        --containerd-namespace wharf-docker-20 \
        --containerd-plugins-namespace wharf-docker-20-plugins \
        --storage-driver overlay2 \
        --exec-opt native.cgroupdriver=cgroupfs \
        --cgroup-parent /wharf-docker-20 \
        </dev/null >>"$LOG" 2>&1 &
    local dpid=$!
    if ! wait_for 120 "$dpid" api_ping "$SOCK"; then
        tail -30 "$LOG" >&2
        die "dockerd did not come up on $SOCK"
    fi
    log "up: $(api_version "$SOCK"), pid $dpid"
    echo "DOCKER_HOST=unix://$SOCK"
}

down() {
    require_root
    local pid
    if pid=$(daemon_pid); then
        log "stopping dockerd pid $pid (and its containers)"
        stop_pid "$pid" 60
    else
        log "dockerd not running"
    fi
    stop_leftover_containerd "$EXEC_ROOT"
    # container processes left after a SIGKILL
    local left
    left=$({ cat /sys/fs/cgroup/pids/wharf-docker-20/*/cgroup.procs /sys/fs/cgroup/wharf-docker-20/*/cgroup.procs 2>/dev/null || true; } | sort -u | tr '\n' ' ')
    if [ -n "${left// /}" ]; then
        log "killing leftover pids: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
    fi
    rm -f "$SOCK" "$PIDFILE"
    if [ "${1:-}" = --purge ]; then
        log "purging $DATA_ROOT"
        # dockerd leaves its data-root bind-mounted on itself (and, after a crash,
        # container mounts and netns files): unmount, deepest first
        local m
        for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($DATA_ROOT|$EXEC_ROOT)(/|$)" | sort -r || true); do
            umount -l "$m" 2>/dev/null || true
        done
        rm -rf --one-file-system "$DATA_ROOT" "$EXEC_ROOT"
    fi
    log "down"
}

case ${1:-} in
    up) up ;;
    down) shift; down "$@" ;;
    status) status ;;
    *) usage_action ;;
esac
