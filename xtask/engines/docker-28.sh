#!/bin/bash
# shellcheck disable=SC2016  # ${...} in single quotes: dpkg-query formats, the inner sh script
# docker-28.sh up|down|status|tree [--purge]
#
# Docker Engine 28.5 (API 1.51) for the tests: Debian sid's docker.io, which
# bookworm does not have, run from a debootstrapped sid tree on a bookworm host,
# side by side with bookworm's dockerd 20.10 (docker-20.sh) and podman.
#
#   socket   unix:///run/wharf/docker-28.sock
#   tree     /var/lib/wharf/docker-28/rootfs  (data-root /var/lib/docker inside it)
#   log      /var/log/wharf/docker-28.log
#   CLI      /run/wharf/bin/docker-28 <args>  (sid's docker CLI 28.5 + buildx, for people)
#
# `up` (idempotent; every step checks before it acts):
#   1. installs debootstrap, iptables, curl on the host if missing
#   2. debootstraps sid (minbase) into the tree                       (once, ~1-2 min)
#   3. installs docker.io & co. in the tree (Check-Valid-Until off: sid's
#      Release file on the mirror can be past its date)
#   4. creates its own bridge wharf28 (10.28.0.1/24; user networks from
#      10.29.0.0/16) and three host iptables rules for 10.28.0.0/15. The network
#      namespace is the host's, shared with dockerd 20.10, so this daemon runs
#      with --iptables=false (else its start would rewrite the DOCKER chains the
#      other daemon owns) and never uses docker0 (a second daemon on docker0
#      deletes it when it stops and breaks the other one)
#   5. starts dockerd in a private mount namespace whose root is the tree,
#      entered with pivot_root, not chroot (with chroot, `docker exec` lands in
#      the host's filesystem), with the host's /tmp bind-mounted in so that bind
#      mounts of host paths under /tmp resolve to host files, and with
#      --live-restore: a restarting dockerd that finds its old default "bridge"
#      network in its store and has --default-address-pool deletes the link
#      named docker0 (moby's removeDefaultBridgeInterface) -- the other daemon's
#      bridge -- unless live-restore is on. `down` stops the containers first.
# `down` stops the daemon (and its containers), removes the bridge(s) and rules;
# `down --purge` also deletes the tree.
set -euo pipefail
ENGINE=docker-28
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$(dirname "$0")/lib.sh"

MIRROR=${WHARF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# sid moves: when its docker.io is no longer 28.x, `up` says so and stops;
# WHARF_DOCKER28_SUITE=forky (testing, 28.5.2 too in Nov 2026) is the way out
# (then `down --purge` first: the tree is bootstrapped once)
SUITE=${WHARF_DOCKER28_SUITE:-sid}
WANT_VERSION=28.
TREE=$WHARF_LIB/docker-28/rootfs
SOCK=$WHARF_RUN/docker-28.sock
PIDFILE=$WHARF_RUN/docker-28.pid
MNTNS_FILE=$WHARF_RUN/docker-28.mntns
LOG=$WHARF_LOG/docker-28.log
CLI=$WHARF_RUN/bin/docker-28
BRIDGE=wharf28
BRIDGE_CIDR=10.28.0.1/24
ADDR_POOL=10.29.0.0/16
FW_NET=10.28.0.0/15
FW_TAG=wharf-docker-28
CGROUP_PARENT=/wharf-docker-28
BIND_PATHS=${WHARF_DOCKER28_BIND_PATHS:-/tmp}
# what the tree needs: procps for `docker top`, xz-utils for xz image tarballs,
# systemd-standalone-sysusers satisfies "systemd | systemd-sysusers" without systemd
TREE_PKGS=(docker.io docker-cli docker-buildx procps xz-utils ca-certificates systemd-standalone-sysusers)

daemon_pid() { daemon_serving dockerd "unix://$SOCK "; }

status() { api_status; }

fw_rules() { # fw_rules -C|-I|-D: check / insert / delete our host rules
    local op=$1 C=(-m comment --comment "$FW_TAG")
    case $op in
        -I)
            iptables -C FORWARD -s "$FW_NET" "${C[@]}" -j ACCEPT 2>/dev/null ||
                iptables -I FORWARD 1 -s "$FW_NET" "${C[@]}" -j ACCEPT
            iptables -C FORWARD -d "$FW_NET" "${C[@]}" -j ACCEPT 2>/dev/null ||
                iptables -I FORWARD 1 -d "$FW_NET" "${C[@]}" -j ACCEPT
            iptables -t nat -C POSTROUTING -s "$FW_NET" ! -d "$FW_NET" "${C[@]}" -j MASQUERADE 2>/dev/null ||
                iptables -t nat -A POSTROUTING -s "$FW_NET" ! -d "$FW_NET" "${C[@]}" -j MASQUERADE
            ;;
        -D)
            while iptables -D FORWARD -s "$FW_NET" "${C[@]}" -j ACCEPT 2>/dev/null; do :; done
            while iptables -D FORWARD -d "$FW_NET" "${C[@]}" -j ACCEPT 2>/dev/null; do :; done
            while iptables -t nat -D POSTROUTING -s "$FW_NET" ! -d "$FW_NET" "${C[@]}" -j MASQUERADE 2>/dev/null; do :; done
            ;;
    esac
}

# prepare_tree: steps 1-3 of `up` (host tools, the sid tree, docker.io in it, the CLI
# wrapper); idempotent. docker-28-swarm.sh runs it too (`docker-28.sh tree`): both
# engines run the same dockerd from this tree, with their own data and exec roots.
prepare_tree() {
    # ---- 1. host tools
    ensure_pkgs debootstrap iptables curl iproute2 util-linux python3

    # ---- 2. debootstrap sid
    if [ ! -e "$TREE/.wharf-bootstrapped" ]; then
        if [ -e "$TREE" ]; then
            grep -q " ${TREE}[/ ]" /proc/self/mountinfo && die "$TREE has mounts; refusing to wipe it"
            log "removing incomplete $TREE"
            rm -rf --one-file-system "$TREE"
        fi
        mkdir -p "$TREE"
        log "debootstrap --variant=minbase $SUITE $TREE (log: $WHARF_LOG/docker-28-debootstrap.log)"
        debootstrap --variant=minbase "$SUITE" "$TREE" "$MIRROR" >"$WHARF_LOG/docker-28-debootstrap.log" 2>&1 ||
            { tail -20 "$WHARF_LOG/docker-28-debootstrap.log" >&2; die "debootstrap failed"; }
        touch "$TREE/.wharf-bootstrapped"
    fi

    # ---- 3. docker.io in the tree
    local missing=() p
    for p in "${TREE_PKGS[@]}"; do
        chroot "$TREE" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        printf '#!/bin/sh\nexit 101\n' >"$TREE/usr/sbin/policy-rc.d"   # no init in the tree
        chmod 755 "$TREE/usr/sbin/policy-rc.d"
        echo 'Acquire::Check-Valid-Until "false";' >"$TREE/etc/apt/apt.conf.d/99wharf-no-valid-until"
        printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
            >"$TREE/etc/apt/apt.conf.d/99wharf-no-recommends"
        echo "deb $MIRROR $SUITE main" >"$TREE/etc/apt/sources.list"
        log "apt-get install ${missing[*]} in the sid tree (log: $WHARF_LOG/docker-28-apt.log)"
        {
            chroot "$TREE" apt-get update &&
                chroot "$TREE" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" &&
                chroot "$TREE" apt-get clean
        } >"$WHARF_LOG/docker-28-apt.log" 2>&1 ||
            { tail -20 "$WHARF_LOG/docker-28-apt.log" >&2; die "apt-get in the sid tree failed"; }
        # the package lists are ~100 MB; `chroot $TREE apt-get update` brings them back
        find "$TREE/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
    fi
    local v
    v=$(chroot "$TREE" dpkg-query -W -f='${Version}' docker.io)
    case $v in
        "$WANT_VERSION"*) ;;
        *) die "the tree's docker.io is $v, not ${WANT_VERSION}x: $SUITE has moved on; try WHARF_DOCKER28_SUITE=forky after \`down --purge\`" ;;
    esac
    log "$SUITE tree: $(chroot "$TREE" dpkg-query -W -f='${Package} ${Version}, ' docker.io containerd runc docker-buildx)"
    mkdir -p "$TREE/var/lib/docker" "$TREE/run" "$TREE/proc" "$TREE/sys" "$TREE/dev"
    cp -L /etc/resolv.conf "$TREE/etc/resolv.conf" 2>/dev/null || true   # containers inherit it

    # sid's docker CLI (API 1.51, buildx plugin) runs fine on the bookworm host
    mkdir -p "$WHARF_RUN/bin" "$WHARF_RUN/docker-28-cli/cli-plugins"
    ln -sfn "$TREE/usr/libexec/docker/cli-plugins/docker-buildx" "$WHARF_RUN/docker-28-cli/cli-plugins/docker-buildx"
    cat >"$CLI" <<EOF
#!/bin/sh
# sid's docker CLI 28.5 against the wharf docker-28 engine
export DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=\${DOCKER_CONFIG:-$WHARF_RUN/docker-28-cli}
exec $TREE/usr/bin/docker "\$@"
EOF
    chmod 755 "$CLI"

}

up() {
    require_root
    if api_ping "$SOCK" && daemon_pid >/dev/null; then
        fw_rules -I   # cheap, and repairs rules another tool may have flushed
        log "already up: $(api_version "$SOCK")"
        echo "DOCKER_HOST=unix://$SOCK"
        return 0
    fi

    prepare_tree

    # ---- 4. host networking
    ip link show "$BRIDGE" >/dev/null 2>&1 || { log "creating bridge $BRIDGE $BRIDGE_CIDR"; ip link add "$BRIDGE" type bridge; }
    ip -4 addr show dev "$BRIDGE" | grep -q "inet ${BRIDGE_CIDR%/*}/" || ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    # With dockerd 20.10 beside it (FORWARD policy DROP, bridge-nf-call-iptables=1),
    # even container<->container traffic on our bridges is filtered: accept our ranges.
    fw_rules -I

    # ---- 5. start dockerd
    local pid
    if pid=$(daemon_pid); then
        log "dockerd pid $pid is alive but does not answer on $SOCK; stopping it first"
        stop_pid "$pid" 60
    fi
    rm -f "$SOCK" "$PIDFILE" "$MNTNS_FILE"
    local sock_gid
    sock_gid=$(getent group docker | cut -d: -f3 || true)
    log "starting dockerd (log: $LOG)"
    echo "===== $(date -Is) docker-28.sh up" >>"$LOG"
    if command -v modprobe >/dev/null; then modprobe -q overlay 2>/dev/null || true; fi
    export BIND_PATHS
    setsid unshare --mount --propagation private -- /bin/sh -c "$DOCKERD_IN_TREE" wharf-docker-28 "$TREE" \
        --host "unix://$SOCK" \
        --group "${sock_gid:-0}" \
        --pidfile "$WHARF_RUN/docker-28.pid" \
        --data-root /var/lib/docker \
        --exec-root /run/docker-28 \
        --storage-driver overlay2 \
        --exec-opt native.cgroupdriver=cgroupfs \
        --cgroup-parent "$CGROUP_PARENT" \
        --bridge "$BRIDGE" \
        --default-address-pool "base=$ADDR_POOL,size=24" \
        --iptables=false --ip6tables=false --ip-forward=false \
        --live-restore \
        </dev/null >>"$LOG" 2>&1 &
    local ns_pid=$!
    if ! wait_for 120 "$ns_pid" api_ping "$SOCK"; then
        tail -30 "$LOG" >&2
        die "dockerd did not come up on $SOCK"
    fi
    readlink "/proc/$ns_pid/ns/mnt" >"$MNTNS_FILE" 2>/dev/null || true
    log "up: $(api_version "$SOCK"), pid $(cat "$PIDFILE" 2>/dev/null)"
    echo "DOCKER_HOST=unix://$SOCK"
}

down() {
    require_root
    local purge=0
    [ "${1:-}" = --purge ] && purge=1
    local pid ns
    ns=$(cat "$MNTNS_FILE" 2>/dev/null || true)
    if pid=$(daemon_pid); then
        ns=$(readlink "/proc/$pid/ns/mnt" 2>/dev/null || echo "$ns")
        # with --live-restore, containers outlive the daemon: stop them first
        local ids
        ids=$(curl -s -m 10 --unix-socket "$SOCK" http://d/containers/json 2>/dev/null |
            python3 -c 'import json,sys; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' 2>/dev/null || true)
        if [ -n "$ids" ]; then
            log "stopping running containers: $(echo "$ids" | wc -w)"
            for id in $ids; do
                curl -s -m 30 --unix-socket "$SOCK" -X POST "http://d/containers/$id/stop?t=5" >/dev/null || true
            done
        fi
        log "stopping dockerd pid $pid"
        stop_pid "$pid" 60
    else
        log "dockerd not running"
    fi
    # leftovers after a crash or SIGKILL: containerd, shims and container processes
    [ "$ns" = "$(readlink /proc/self/ns/mnt)" ] && ns=""   # never sweep the host's namespace
    local left p
    left=$(
        if [ -n "$ns" ]; then
            for p in /proc/[0-9]*; do
                [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
                case $(cat "$p/comm" 2>/dev/null) in
                    dockerd | containerd | containerd-shim* | docker-proxy) echo "${p#/proc/}" ;;
                esac
            done
        fi
        cat /sys/fs/cgroup/pids"$CGROUP_PARENT"/*/cgroup.procs /sys/fs/cgroup"$CGROUP_PARENT"/*/cgroup.procs 2>/dev/null || true
    )
    left=$(echo "$left" | sort -u | tr '\n' ' ')
    if [ -n "${left// /}" ]; then
        log "killing leftover pids: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
        sleep 1
    fi
    rm -f "$SOCK" "$PIDFILE" "$MNTNS_FILE"
    if command -v iptables >/dev/null 2>&1; then fw_rules -D; fi
    # our bridge and the br-<id> bridges of this daemon's user networks (10.28/10.29);
    # dockerd recreates the latter from its network store when it starts again
    local dev
    for dev in $(ip -o -4 addr show 2>/dev/null | awk '$4 ~ /^10\.(28|29)\./ {print $2}' | sort -u) $BRIDGE; do
        ip link show "$dev" >/dev/null 2>&1 || continue
        case $dev in "$BRIDGE" | br-*) log "deleting bridge $dev"; ip link del "$dev" ;; esac
    done
    if [ $purge = 1 ]; then
        grep -q " ${TREE}[/ ]" /proc/self/mountinfo && die "refusing to purge: something is mounted under $TREE"
        log "purging $WHARF_LIB/docker-28"
        rm -rf --one-file-system "$WHARF_LIB/docker-28" "$WHARF_RUN/docker-28-cli" "$CLI"
    fi
    log "down"
}

case ${1:-} in
    up) up ;;
    tree) require_root; prepare_tree ;;
    down) shift; down "$@" ;;
    status) status ;;
    *) usage_action ;;
esac
