#!/bin/bash
# docker-28-swarm.sh up|down|status [--purge]
#
# A second Docker Engine 28.5 (API 1.51) for the swarm tests, which make it a
# single-node swarm manager and leave the swarm again: the shared docker-28 is never
# turned into a manager (other tests would see its services' tasks, its overlay
# networks, its `Swarm` info). The same dockerd as docker-28.sh, from the same sid
# tree (`docker-28.sh tree` makes it), with its own everything else:
#
#   socket     unix:///run/wharf/docker-28-swarm.sock
#   data root  /var/lib/docker-swarm inside the tree (docker-28's is /var/lib/docker)
#   exec root  /run/docker-28-swarm (its managed containerd's socket lives under it)
#   log        /var/log/wharf/docker-28-swarm.log
#   network    its own network namespace `wharf-swarm`, reached from the host over a
#              veth pair: host side wh28s0 10.30.0.1/24, engine side 10.30.0.2/24
#              (the swarm's advertise address; ports it publishes in host mode answer
#              there). In its own namespace the daemon has its own iptables and its
#              own docker0, so it runs with iptables on and without --live-restore,
#              which swarm mode refuses ("--live-restore daemon configuration is
#              incompatible with swarm mode", moby daemon/cluster/swarm.go), and none
#              of docker-28's reasons for its setup (a shared docker0 and shared
#              DOCKER chains) apply.
#   CLI        /run/wharf/bin/docker-28-swarm <args>
#
# This kernel has no IPVS: the ingress routing mesh and virtual-IP services cannot
# work; services publish in host mode and use the dnsrr endpoint mode.
#
# `down` stops the daemon (and its tasks' containers), removes the namespace and the
# veth pair; `down --purge` also deletes its data root.
set -euo pipefail
ENGINE=docker-28-swarm
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$(dirname "$0")/lib.sh"

TREE=$WHARF_LIB/docker-28/rootfs
DATA_ROOT=/var/lib/docker-swarm
SOCK=$WHARF_RUN/docker-28-swarm.sock
PIDFILE=$WHARF_RUN/docker-28-swarm.pid
LOG=$WHARF_LOG/docker-28-swarm.log
CLI=$WHARF_RUN/bin/docker-28-swarm
NETNS=wharf-swarm
HOST_IF=wh28s0
HOST_ADDR=10.30.0.1/24
NS_IF=wh28s1
NS_ADDR=10.30.0.2/24
CGROUP_PARENT=/wharf-docker-28-swarm

daemon_pid() { pid_of "$PIDFILE" dockerd; }

status() {
    if api_ping "$SOCK"; then
        echo "docker-28-swarm: up, $(api_version "$SOCK"), DOCKER_HOST=unix://$SOCK"
    else
        echo "docker-28-swarm: not answering on unix://$SOCK"
        return 1
    fi
}

# the namespace and the veth pair between it and the host; idempotent
network_up() {
    [ -e "/run/netns/$NETNS" ] || { log "creating network namespace $NETNS"; ip netns add "$NETNS"; }
    if ! ip link show "$HOST_IF" >/dev/null 2>&1; then
        log "veth $HOST_IF ($HOST_ADDR) <-> $NS_IF ($NS_ADDR)"
        ip link add "$HOST_IF" type veth peer name "$NS_IF" netns "$NETNS"
    fi
    ip -4 addr show dev "$HOST_IF" | grep -q "inet ${HOST_ADDR%/*}/" || ip addr add "$HOST_ADDR" dev "$HOST_IF"
    ip link set "$HOST_IF" up
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" -4 addr show dev "$NS_IF" | grep -q "inet ${NS_ADDR%/*}/" ||
        ip -n "$NETNS" addr add "$NS_ADDR" dev "$NS_IF"
    ip -n "$NETNS" link set "$NS_IF" up
    # No default route: nothing beyond the host is reachable from the namespace, and
    # an image pull (swarm tasks try one for an image named by tag) fails at once
    # instead of waiting for DNS to time out. Swarm init then needs its advertise
    # address said (10.30.0.2).
    ip -n "$NETNS" route del default 2>/dev/null || true
}

up() {
    require_root
    if api_ping "$SOCK" && daemon_pid >/dev/null; then
        log "already up: $(api_version "$SOCK")"
        echo "DOCKER_HOST=unix://$SOCK"
        return 0
    fi
    bash "$(dirname "$0")/docker-28.sh" tree
    mkdir -p "$TREE$DATA_ROOT" "$WHARF_RUN/bin"
    cat >"$CLI" <<EOF
#!/bin/sh
# sid's docker CLI 28.5 against the wharf docker-28-swarm engine
export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=\${DOCKER_CONFIG:-$WHARF_RUN/docker-28-cli}
exec $TREE/usr/bin/docker "\$@"
EOF
    chmod 755 "$CLI"
    network_up

    local pid
    if pid=$(daemon_pid); then
        log "dockerd pid $pid is alive but does not answer on $SOCK; stopping it first"
        stop_pid "$pid" 60
    fi
    rm -f "$SOCK" "$PIDFILE"
    local sock_gid
    sock_gid=$(getent group docker | cut -d: -f3 || true)
    log "starting dockerd in network namespace $NETNS (log: $LOG)"
    echo "===== $(date -Is) docker-28-swarm.sh up" >>"$LOG"
    export BIND_PATHS=/tmp
    # nsenter, not `ip netns exec`: that one mounts a fresh /sys without the host's
    # cgroup (v1) hierarchies, and dockerd needs them ("Devices cgroup isn't mounted")
    setsid nsenter --net="/run/netns/$NETNS" unshare --mount --propagation private -- \
        /bin/sh -c "$DOCKERD_IN_TREE" wharf-docker-28-swarm "$TREE" \
        --host "unix://$SOCK" \
        --group "${sock_gid:-0}" \
        --pidfile "$PIDFILE" \
        --data-root "$DATA_ROOT" \
        --exec-root /run/docker-28-swarm \
        --storage-driver overlay2 \
        --exec-opt native.cgroupdriver=cgroupfs \
        --cgroup-parent "$CGROUP_PARENT" \
        </dev/null >>"$LOG" 2>&1 &
    local ns_pid=$!
    if ! wait_for 120 "$ns_pid" api_ping "$SOCK"; then
        tail -30 "$LOG" >&2
        die "dockerd did not come up on $SOCK"
    fi
    log "up: $(api_version "$SOCK"), pid $(cat "$PIDFILE" 2>/dev/null)"
    echo "DOCKER_HOST=unix://$SOCK"
}

down() {
    require_root
    local purge=0 pid
    [ "${1:-}" = --purge ] && purge=1
    if pid=$(daemon_pid); then
        log "stopping dockerd pid $pid"
        stop_pid "$pid" 60
    else
        log "dockerd not running"
    fi
    # leftovers after a crash or SIGKILL: the processes of its containers' cgroups
    local left
    left=$(cat /sys/fs/cgroup/pids"$CGROUP_PARENT"/*/cgroup.procs /sys/fs/cgroup"$CGROUP_PARENT"/*/cgroup.procs 2>/dev/null |
        sort -u | tr '\n' ' ' || true)
    if [ -n "${left// /}" ]; then
        log "killing leftover pids: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
        sleep 1
    fi
    rm -f "$SOCK" "$PIDFILE"
    ip link del "$HOST_IF" 2>/dev/null || true
    [ -e "/run/netns/$NETNS" ] && { log "deleting network namespace $NETNS"; ip netns del "$NETNS"; }
    if [ $purge = 1 ]; then
        grep -q " $TREE$DATA_ROOT[/ ]" /proc/self/mountinfo && die "refusing to purge: something is mounted under $TREE$DATA_ROOT"
        log "purging $TREE$DATA_ROOT"
        rm -rf --one-file-system "${TREE:?}$DATA_ROOT" "$CLI"
    fi
    log "down"
}

case ${1:-} in
    up) up ;;
    down) shift; down "$@" ;;
    status) status ;;
    *) usage_action ;;
esac
