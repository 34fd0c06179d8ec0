# shellcheck shell=bash
# Shared helpers for the test-engine scripts in this directory (sourced, not run).
#
# Layout on the host (all of it the project's own, never a user's daemon's):
#   /run/wharf/             sockets, pidfiles, exec roots, small state
#   /var/lib/wharf/         data roots (images, containers, the docker-28 sid tree)
#   /var/log/wharf/         daemon logs
#
# Conventions of the scripts: `NAME.sh up|down|status`; logs go to stderr, and
# stdout carries only the result: for `up` the last line is `DOCKER_HOST=...`
# (or `WHARF_TEST_REGISTRY=...`), for `status` one line, exit 1 if it does not answer.

WHARF_RUN=/run/wharf
WHARF_LIB=/var/lib/wharf
WHARF_LOG=/var/log/wharf
ENGINE=${ENGINE:-wharf}

log() { printf '[%s %(%H:%M:%S)T] %s\n' "$ENGINE" -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

require_root() {
    [ "$(id -u)" = 0 ] || die "must run as root"
    mkdir -p "$WHARF_RUN" "$WHARF_LIB" "$WHARF_LOG"
}

# ensure_pkgs PKG...: install the Debian packages that are not installed yet.
# `apt-get update` runs at most once per hour across all scripts (stamp file),
# and only when something is missing. Services that a package would start
# (docker.io's and docker-registry's init scripts) are kept from starting with a
# temporary policy-rc.d: these scripts start the daemons themselves.
ensure_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    (
        # one apt at a time, also when several `up` run side by side
        exec 9>"$WHARF_RUN/apt.lock"
        flock 9
        export DEBIAN_FRONTEND=noninteractive
        local stamp=$WHARF_RUN/apt-updated
        if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
            log "apt-get update"
            # a third-party source that cannot be reached must not stop us
            apt-get update -q >"$WHARF_LOG/apt.log" 2>&1 ||
                log "apt-get update reported errors (see $WHARF_LOG/apt.log); going on"
            touch "$stamp"
        fi
        local own_policy=0
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\n# wharf engine scripts: start no services during this install\nexit 101\n' \
                >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            own_policy=1
        fi
        log "apt-get install ${missing[*]}"
        local rc=0
        apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" >>"$WHARF_LOG/apt.log" 2>&1 || rc=$?
        [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
        if [ $rc != 0 ]; then
            tail -20 "$WHARF_LOG/apt.log" >&2
            die "apt-get install ${missing[*]} failed"
        fi
    )
}

# pid_of PIDFILE COMM: print the pid in PIDFILE if that process is alive (not a
# zombie) and its command name is COMM (/run is not always a tmpfs: a pidfile
# under /run/wharf can outlive a reboot, and its pid be reused).
pid_of() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1   # a zombie is gone
    echo "$pid"
}

# stop_pid PID [SECONDS]: SIGTERM, wait, then SIGKILL.
stop_pid() {
    local pid=$1 secs=${2:-60} i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < secs * 4; i++)); do
        [ -d "/proc/$pid" ] || return 0
        # a zombie child of ours counts as gone
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
        sleep 0.25
    done
    log "pid $pid still alive after ${secs}s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
}

# stop_leftover_containerd EXEC_ROOT: stop the containerd that a dockerd with this
# exec root started (managed, under EXEC_ROOT/containerd) and left behind when it died:
# it would hold the containerd socket and state.
stop_leftover_containerd() {
    local cpid
    for cpid in $(pgrep -x containerd || true); do
        tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null | grep -q -- "$1/containerd" || continue
        log "stopping leftover containerd $cpid"
        stop_pid "$cpid" 10
    done
}

# api_ping SOCKET: true when a Docker-compatible API answers /_ping on the unix socket.
api_ping() {
    [ -S "$1" ] || return 1
    [ "$(curl -s -m 5 --unix-socket "$1" http://d/_ping 2>/dev/null)" = OK ]
}

# api_version SOCKET: "Engine X (API Y)" from /version.
api_version() {
    curl -s -m 5 --unix-socket "$1" http://d/version 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    print("%s %s (API %s)" % (d.get("Components", [{}])[0].get("Name", "Engine"), d["Version"], d["ApiVersion"]))
except Exception:
    print("?")'
}

# api_status: the engine's status line; fails when nothing answers on $SOCK.
api_status() {
    if api_ping "$SOCK"; then
        echo "$ENGINE: up, $(api_version "$SOCK"), DOCKER_HOST=unix://$SOCK"
    else
        echo "$ENGINE: not answering on unix://$SOCK"
        return 1
    fi
}

# daemon_serving NAME PATTERN: the pid in $PIDFILE if it is a NAME process, else
# (no usable pidfile) the NAME process whose command line matches PATTERN.
daemon_serving() {
    local name=$1 pattern=$2 pid
    if pid=$(pid_of "$PIDFILE" "$name"); then echo "$pid"; return 0; fi
    for pid in $(pgrep -x "$name" || true); do
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"; then
            echo "$pid"; return 0
        fi
    done
    return 1
}

# wait_for SECONDS PID CMD...: poll CMD every 0.5 s until it succeeds; give up
# after SECONDS, or at once when PID (the daemon just started) has died.
wait_for() {
    local secs=$1 pid=$2 i
    shift 2
    for ((i = 0; i < secs * 2; i++)); do
        "$@" && return 0
        if [ -n "$pid" ] && { [ ! -d "/proc/$pid" ] ||
            [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; }; then
            return 1
        fi
        sleep 0.5
    done
    return 1
}

# DOCKERD_IN_TREE: `sh -c "$DOCKERD_IN_TREE" NAME TREE DOCKERD-ARGS...`, run in a new
# private mount namespace (unshare --mount), makes TREE the root with pivot_root (not
# chroot: with chroot, `docker exec` lands in the host's filesystem) and execs the
# tree's dockerd. /run/wharf (the sockets) and $BIND_PATHS (exported) are the host's.
# shellcheck disable=SC2016
DOCKERD_IN_TREE='
set -e
R=$1; shift
mount --bind "$R" "$R"                       # pivot_root needs a mount point
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount --rbind /sys "$R/sys"                  # includes /sys/fs/cgroup
mount --rbind /dev "$R/dev"                  # includes /dev/pts, /dev/shm
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mkdir -p "$R/run/lock" "$R/run/wharf" "$R/.oldroot"
mount --bind /run/wharf "$R/run/wharf"       # the API socket shows up on the host here
for b in $BIND_PATHS; do                     # host dirs seen by dockerd at the same path
    mkdir -p "$R$b"; mount --rbind "$b" "$R$b"
done
cd "$R"
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot 2>/dev/null || true
mount --make-rshared /                       # rshared volume propagation works, as on a systemd host
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    /usr/sbin/dockerd "$@"

'
# shellcheck disable=SC2034  # read by the scripts that source this file
readonly DOCKERD_IN_TREE

usage_action() {
    echo "usage: $0 up|down|status" >&2
    exit 2
}
