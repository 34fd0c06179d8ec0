#!/bin/bash
# podman.sh up|down|status [--purge]
#
# Podman 4.3 (bookworm) serving its Docker-compatible API (compat API 1.41):
# `podman system service --time=0` in the background, as root, no systemd.
#
#   socket   unix:///run/wharf/podman.sock
#   config   /run/wharf/podman/{containers,storage,registries}.conf (written by
#            `up`, given to the service through CONTAINERS_CONF,
#            CONTAINERS_STORAGE_CONF and CONTAINERS_REGISTRIES_CONF;
#            /etc/containers is left as it is)
#   storage  /var/lib/wharf/podman (images, containers, volumes, networks)
#   log      /var/log/wharf/podman.log
#
# What this machine needs and why (containers.conf below):
#   default_ulimits   the one setting that is required here. Rootful podman
#                     gives each container RLIMIT_NOFILE and RLIMIT_NPROC of
#                     1048576; raising a hard limit needs CAP_SYS_RESOURCE, which
#                     this sandbox's root lacks, so runc failed every container
#                     start ("error setting rlimit type 7: operation not
#                     permitted"). Set only where the capability is missing.
#   cgroup_manager = "cgroupfs", events_logger = "file", log_driver = "k8s-file",
#   runtime = "runc", network_backend = "cni"
#                     what podman 4.3 falls back to by itself without systemd,
#                     journald, crun and netavark (checked with `podman info`);
#                     written down so that a machine that has one of them (crun
#                     can come in through podman's "crun | runc") behaves the same
#   registries.conf   127.0.0.1:5000 (the test registry) is insecure (plain HTTP),
#                     as it is for dockerd by default
#   own graphroot / runroot / tmp_dir / volume_path / network_config_dir:
#                     nothing shared with a user's own podman (/var/lib/containers,
#                     /run/libpod, /etc/cni/net.d)
#
# podman-faults.sh runs this script as a second, separate instance named
# podman-faults (WHARF_PODMAN_INSTANCE): its own socket, pidfile, config,
# storage and log, all named for the instance. That instance alone also has
#   kill      SIGKILL of the service (its containers live on under conmon)
#   restart   the service started again on the same storage
# for the fault tests; the shared `podman` refuses both.
set -euo pipefail
ENGINE=${WHARF_PODMAN_INSTANCE:-podman}
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$(dirname "$0")/lib.sh"

SOCK=$WHARF_RUN/$ENGINE.sock
PIDFILE=$WHARF_RUN/$ENGINE.pid
STATE=$WHARF_RUN/$ENGINE
DATA=$WHARF_LIB/$ENGINE
LOG=$WHARF_LOG/$ENGINE.log
CONF=$STATE/containers.conf
STORAGE_CONF=$STATE/storage.conf
REGISTRIES_CONF=$STATE/registries.conf

daemon_pid() { daemon_serving podman "system service .*unix://$SOCK"; }

status() { api_status; }

has_cap_sys_resource() { # CAP_SYS_RESOURCE is bit 24 of the effective set
    local eff
    eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
    (( (16#$eff >> 24) & 1 ))
}

# write_config [DEFAULT_ULIMITS_LINE]
write_config() {
    mkdir -p "$STATE" "$DATA/storage" "$DATA/networks" "$STATE/storage" "$STATE/libpod"
    local ulimits=${1:-}
    cat >"$CONF" <<EOF
# written by xtask/engines/podman.sh: the wharf test engine's podman
[containers]
log_driver = "k8s-file"
$ulimits

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
tmp_dir = "$STATE/libpod"
volume_path = "$DATA/volumes"

[network]
network_backend = "cni"
network_config_dir = "$DATA/networks"
EOF
    # dockerd treats 127.0.0.0/8 as insecure (plain HTTP) registries by default;
    # podman does not: say so for the test registry (registry.sh, 127.0.0.1:5000)
    cat >"$REGISTRIES_CONF" <<EOF
# written by xtask/engines/podman.sh: the wharf test engine's podman
unqualified-search-registries = ["docker.io"]

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "localhost:5000"
insecure = true
EOF
    cat >"$STORAGE_CONF" <<EOF
# written by xtask/engines/podman.sh: the wharf test engine's podman
[storage]
driver = "overlay"
graphroot = "$DATA/storage"
runroot = "$STATE/storage"
EOF
}

# podman() with this engine's configuration, for the few CLI calls made here
pm() {
    CONTAINERS_CONF=$CONF CONTAINERS_STORAGE_CONF=$STORAGE_CONF CONTAINERS_REGISTRIES_CONF=$REGISTRIES_CONF podman "$@"
}

# Our conmon processes (their command lines name our graphroot).
our_conmons() {
    local p
    for p in $(pgrep -x conmon || true); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$DATA/storage" && echo "$p"
    done
    return 0
}

# After a crash or SIGKILL of everything (a stopped session, an OOM), podman's
# state says containers run that are gone: /run/wharf is not a tmpfs here, so
# podman does not see the "reboot" that would make it refresh its state, and
# such containers stay "running"/"stopping" and cannot be started or removed.
# Detect that (the service is down, no conmon of ours lives, yet some container
# is not stopped) and reset this engine's storage: it holds only test objects.
recover_stale_state() {
    [ -f "$CONF" ] && [ -d "$DATA/storage" ] || return 0
    [ -z "$(our_conmons)" ] || return 0
    local states
    states=$(pm ps -a --format '{{.State}}' 2>/dev/null | sort -u | tr '\n' ' ' || true)
    case " $states" in
        *" running "* | *" paused "* | *" stopping "* | *" Running "* | *" Paused "* | *" Stopping "*) ;;
        *) return 0 ;;
    esac
    log "stale state after an unclean stop (containers: $states): resetting $DATA"
    local ids id p m
    ids=$(find "$DATA/storage/overlay-containers" -mindepth 1 -maxdepth 1 -regextype egrep \
        -regex '.*/[0-9a-f]{64}' -printf '%f\n' 2>/dev/null || true)
    for id in $ids; do
        for p in $(cat /sys/fs/cgroup/pids/libpod_parent/libpod-"$id"/cgroup.procs \
            /sys/fs/cgroup/libpod_parent/libpod-"$id"/cgroup.procs 2>/dev/null || true); do
            kill -KILL "$p" 2>/dev/null || true
        done
        rm -rf "/run/runc/$id"     # runc's own state of the container
    done
    # unmount whatever is left under our directories, deepest first
    for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($DATA|$STATE)(/|$)" | sort -r || true); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$DATA" "$STATE"
}

up() {
    require_root
    if api_ping "$SOCK" && daemon_pid >/dev/null; then
        log "already up: $(api_version "$SOCK")"
        echo "DOCKER_HOST=unix://$SOCK"
        return 0
    fi
    # podman's Depends "crun | runc" and "container-network-stack" leave a choice:
    # name runc and the CNI plugins; iptables for the CNI bridge/firewall plugins
    ensure_pkgs podman runc containernetworking-plugins conmon iptables curl python3

    local pid
    if pid=$(daemon_pid); then
        log "podman service pid $pid is alive but does not answer on $SOCK; stopping it first"
        stop_pid "$pid" 30
    fi
    recover_stale_state
    write_config
    start_service
    # Rootful podman gives every container RLIMIT_NOFILE and RLIMIT_NPROC of
    # 1048576. Raising a hard limit needs CAP_SYS_RESOURCE; where this process
    # lacks it (a sandbox), runc fails every start with "error setting rlimit
    # type 7: operation not permitted". There, give containers the service's own
    # limits (podman lowers its RLIMIT_NPROC itself, so read them off the running
    # service) and restart it once with that configuration.
    if ! has_cap_sys_resource; then
        local pid nofile nproc
        pid=$(cat "$PIDFILE")
        nofile=$(awk '/^Max open files/ {print $4 ":" $5}' "/proc/$pid/limits")
        nproc=$(awk '/^Max processes/ {print $3 ":" $4}' "/proc/$pid/limits")
        log "no CAP_SYS_RESOURCE: containers get the service's limits nofile=$nofile nproc=$nproc; restarting"
        stop_pid "$pid" 30
        write_config "default_ulimits = [\"nofile=$nofile\", \"nproc=$nproc\"]"
        start_service
    fi
    log "up: $(api_version "$SOCK"), pid $(cat "$PIDFILE")"
    echo "DOCKER_HOST=unix://$SOCK"
}

start_service() {
    rm -f "$SOCK" "$PIDFILE"
    log "starting podman $(dpkg-query -W -f='${Version}' podman) system service (log: $LOG)"
    echo "===== $(date -Is) podman.sh up" >>"$LOG"
    # from /: conmon inherits the service's working directory and fails every
    # container start ("Failed to get working directory") once it is deleted
    # (a removed checkout the service was started from)
    (cd / && CONTAINERS_CONF=$CONF CONTAINERS_STORAGE_CONF=$STORAGE_CONF CONTAINERS_REGISTRIES_CONF=$REGISTRIES_CONF \
        exec setsid podman system service --time=0 "unix://$SOCK" </dev/null >>"$LOG" 2>&1) &
    local spid=$!
    echo "$spid" >"$PIDFILE"
    if ! wait_for 60 "$spid" api_ping "$SOCK"; then
        tail -30 "$LOG" >&2
        die "podman did not come up on $SOCK"
    fi
}

down() {
    require_root
    local pid
    if pid=$(daemon_pid); then
        log "stopping podman service pid $pid"
        stop_pid "$pid" 30
    else
        log "podman service not running"
    fi
    rm -f "$SOCK" "$PIDFILE"
    # The service leaves containers running when it stops (each has its conmon);
    # stop them with the same configuration, so that nothing of ours lingers.
    if [ -f "$CONF" ] && command -v podman >/dev/null; then
        local running
        running=$(pm ps -q 2>/dev/null | tr '\n' ' ' || true)
        if [ -n "${running// /}" ]; then
            log "stopping containers: $running"
            # shellcheck disable=SC2086
            pm stop -t 2 $running >/dev/null 2>&1 || true
        fi
    fi
    if [ "${1:-}" = --purge ] && [ -f "$CONF" ]; then
        log "purging $DATA"
        pm system reset --force >/dev/null 2>&1 || true
        rm -rf --one-file-system "$DATA" "$STATE"
    fi
    log "down"
}

# kill / restart: only for a separate instance (never the shared engine)
fault_instance_only() {
    [ "$ENGINE" != podman ] || die "$1 is only for a fault-test instance (podman-faults.sh), never the shared podman"
}

kill_service() {
    require_root
    fault_instance_only kill
    local pid
    pid=$(daemon_pid) || die "not running"
    kill -KILL "$pid"
    local i
    for i in $(seq 50); do
        # gone, or a zombie nobody has reaped yet: dead either way
        case $(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null) in '' | Z) break ;; esac
        sleep 0.1
    done
    log "killed pid $pid (SIGKILL)"
}

restart() {
    require_root
    fault_instance_only restart
    [ -f "$CONF" ] || die "never started: run up first"
    if daemon_pid >/dev/null; then
        kill_service
    fi
    start_service
    log "restarted: $(api_version "$SOCK"), pid $(cat "$PIDFILE")"
    echo "DOCKER_HOST=unix://$SOCK"
}

case ${1:-} in
    up) up ;;
    down) shift; down "$@" ;;
    status) status ;;
    kill) kill_service ;;
    restart) restart ;;
    *) usage_action ;;
esac
