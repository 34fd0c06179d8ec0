# shellcheck shell=bash
# swarm-engine.sh: the swarm test engines, sourced by docker-28-swarm.sh and
# docker-20-swarm.sh with BASE=28 or BASE=20 (`NAME.sh up|down|status [--purge]`).
#
# An engine for the swarm tests, which make it a single-node swarm manager and leave
# the swarm again: the shared docker-28 and docker-20 are never turned into managers
# (other tests would see its services' tasks, its overlay networks, its `Swarm` info).
# The same dockerd as the shared engine of its version, with its own everything else:
#
#   BASE=28: docker-28.sh's sid tree (`docker-28.sh tree` makes it), pivot_root into it
#            socket unix:///run/wharf/docker-28-swarm.sock, data root
#            /var/lib/docker-swarm inside the tree, namespace wharf-swarm,
#            host wh28s0 10.30.0.1/24 <-> engine 10.30.0.2/24
#   BASE=20: bookworm's dockerd 20.10 on the host's filesystem
#            socket unix:///run/wharf/docker-20-swarm.sock, data root
#            /var/lib/wharf/docker-20-swarm, namespace wharf-swarm20,
#            host wh20s0 10.31.0.1/24 <-> engine 10.31.0.2/24
#
#   exec root  /run/docker-NN-swarm (its managed containerd's socket lives under it)
#   log        /var/log/wharf/docker-NN-swarm.log
#   network    its own network namespace, reached from the host over a veth pair; the
#              engine's address there is the swarm's advertise address, and ports it
#              publishes in host mode answer there. In its own namespace the daemon has
#              its own iptables and its own docker0, so it runs with iptables on and
#              without --live-restore, which swarm mode refuses ("--live-restore daemon
#              configuration is incompatible with swarm mode", moby
#              daemon/cluster/swarm.go), and none of the shared engines' reasons for
#              their setup (a shared docker0 and shared DOCKER chains) apply.
#   CLI        /run/wharf/bin/docker-NN-swarm <args>
#
# This kernel has no IPVS: the ingress routing mesh and virtual-IP services cannot
# work; services publish in host mode and use the dnsrr endpoint mode.
#
# `down` stops the daemon (and its tasks' containers), removes the namespace and the
# veth pair; `down --purge` also deletes its data root.
ENGINE=docker-$BASE-swarm
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$(dirname "$0")/lib.sh"

case $BASE in
    28) TREE=$WHARF_LIB/docker-28/rootfs DATA_ROOT=/var/lib/docker-swarm
        DOCKER=$TREE/usr/bin/docker NETNS=wharf-swarm NET=10.30.0 ;;
    20) TREE="" DATA_ROOT=$WHARF_LIB/docker-20-swarm
        DOCKER=/usr/bin/docker NETNS=wharf-swarm20 NET=10.31.0 ;;
    *) die "BASE must be 28 or 20" ;;
esac
SOCK=$WHARF_RUN/$ENGINE.sock
PIDFILE=$WHARF_RUN/$ENGINE.pid
LOG=$WHARF_LOG/$ENGINE.log
CLI=$WHARF_RUN/bin/$ENGINE
HOST_IF=wh${BASE}s0
HOST_ADDR=$NET.1/24
NS_IF=wh${BASE}s1
NS_ADDR=$NET.2/24
CGROUP_PARENT=/wharf-$ENGINE

daemon_pid() { pid_of "$PIDFILE" dockerd; }

status() { api_status; }

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
    # address said ($NET.2).
    ip -n "$NETNS" route del default 2>/dev/null || true
}

up() {
    require_root
    if api_ping "$SOCK" && daemon_pid >/dev/null; then
        log "already up: $(api_version "$SOCK")"
        echo "DOCKER_HOST=unix://$SOCK"
        return 0
    fi
    if [ "$BASE" = 28 ]; then
        bash "$(dirname "$0")/docker-28.sh" tree
    else
        ensure_pkgs docker.io iptables curl iproute2 util-linux python3
    fi
    mkdir -p "$TREE$DATA_ROOT" "$WHARF_RUN/bin"
    cat >"$CLI" <<EOF
#!/bin/sh
# the docker CLI against the wharf $ENGINE engine
export DOCKER_HOST=unix://$SOCK
exec $DOCKER "\$@"
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
    echo "===== $(date -Is) $ENGINE.sh up" >>"$LOG"
    local args=(
        --host "unix://$SOCK"
        --group "${sock_gid:-0}"
        --pidfile "$PIDFILE"
        --data-root "$DATA_ROOT"
        --exec-root "/run/$ENGINE"
        --storage-driver overlay2
        --exec-opt native.cgroupdriver=cgroupfs
        --cgroup-parent "$CGROUP_PARENT"
    )
    # nsenter, not `ip netns exec`: that one mounts a fresh /sys without the host's
    # cgroup (v1) hierarchies, and dockerd needs them ("Devices cgroup isn't mounted")
    if [ "$BASE" = 28 ]; then
        export BIND_PATHS=/tmp
        setsid nsenter --net="/run/netns/$NETNS" unshare --mount --propagation private -- \
            /bin/sh -c "$DOCKERD_IN_TREE" "wharf-$ENGINE" "$TREE" "${args[@]}" \
            </dev/null >>"$LOG" 2>&1 &
    else
        setsid nsenter --net="/run/netns/$NETNS" /usr/sbin/dockerd "${args[@]}" \
            </dev/null >>"$LOG" 2>&1 &
    fi
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
    # BASE=20: its managed containerd, if it outlived the daemon (BASE=28's lives in
    # the tree's mount namespace, under the tree's /run)
    if [ "$BASE" = 20 ]; then stop_leftover_containerd "/run/$ENGINE"; fi
    ip link del "$HOST_IF" 2>/dev/null || true
    [ -e "/run/netns/$NETNS" ] && { log "deleting network namespace $NETNS"; ip netns del "$NETNS"; }
    if [ $purge = 1 ]; then
        grep -q " $TREE$DATA_ROOT[/ ]" /proc/self/mountinfo && die "refusing to purge: something is mounted under $TREE$DATA_ROOT"
        log "purging $TREE$DATA_ROOT"
        rm -rf --one-file-system "${TREE:?}$DATA_ROOT" "$CLI"
    fi
    log "down"
}

swarm_engine_main() {
    case ${1:-} in
        up) up ;;
        down) shift; down "$@" ;;
        status) status ;;
        *) usage_action ;;
    esac
}
