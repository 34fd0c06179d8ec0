#!/bin/bash
# registry.sh up|down|status [--purge]
#
# A private image registry for the tests: Debian's docker-registry
# (distribution 2.8), plain HTTP on 127.0.0.1:5000 with htpasswd basic auth.
# dockerd treats 127.0.0.0/8 as an insecure registry by default, so the engines
# push to and pull from it without TLS.
#
#   address   127.0.0.1:5000   (printed as WHARF_TEST_REGISTRY=127.0.0.1:5000)
#   user      wharf / wharf-test-password  (bcrypt, htpasswd -B)
#   config    /run/wharf/registry/config.yml, /run/wharf/registry/htpasswd
#   storage   /var/lib/wharf-registry
#   log       /var/log/wharf/registry.log
#
# Debian's own /etc/docker/registry/config.yml and init script are not used
# (the package's service listens on :5000 too; it is kept from starting).
set -euo pipefail
ENGINE=registry
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$(dirname "$0")/lib.sh"

ADDR=127.0.0.1:5000
USER_NAME=wharf
PASSWORD=wharf-test-password
STATE=$WHARF_RUN/registry
CONF=$STATE/config.yml
HTPASSWD=$STATE/htpasswd
STORAGE=/var/lib/wharf-registry
PIDFILE=$WHARF_RUN/registry.pid
LOG=$WHARF_LOG/registry.log

daemon_pid() {
    local pid
    if pid=$(pid_of "$PIDFILE" docker-registry); then echo "$pid"; return 0; fi
    for pid in $(pgrep -x docker-registry || true); do
        if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$CONF"; then
            echo "$pid"; return 0
        fi
    done
    return 1
}

# answers: 401 without credentials, 200 with them
answers() {
    [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$ADDR/v2/")" = 401 ] &&
        [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' -u "$USER_NAME:$PASSWORD" "http://$ADDR/v2/")" = 200 ]
}

status() {
    if answers; then
        echo "registry: up, distribution $(docker-registry --version 2>/dev/null | awk '{print $3}'), basic auth $USER_NAME, WHARF_TEST_REGISTRY=$ADDR"
    else
        echo "registry: not answering on http://$ADDR/v2/ (with basic auth $USER_NAME)"
        return 1
    fi
}

up() {
    require_root
    if answers && daemon_pid >/dev/null; then
        log "already up on $ADDR"
        echo "WHARF_TEST_REGISTRY=$ADDR"
        return 0
    fi
    ensure_pkgs docker-registry apache2-utils curl

    local pid
    if pid=$(daemon_pid); then
        log "registry pid $pid is alive but does not answer; stopping it first"
        stop_pid "$pid" 10
    fi
    if curl -s -m 2 -o /dev/null "http://$ADDR/v2/"; then
        die "something else answers on $ADDR (Debian's docker-registry service? /etc/init.d/docker-registry stop)"
    fi
    mkdir -p "$STATE" "$STORAGE"
    htpasswd -B -b -c "$HTPASSWD" "$USER_NAME" "$PASSWORD" 2>/dev/null
    cat >"$CONF" <<EOF
# written by xtask/engines/registry.sh: the wharf test registry
version: 0.1
log:
  level: info
  fields:
    service: wharf-registry
storage:
  filesystem:
    rootdirectory: $STORAGE
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $ADDR
  secret: wharf-test-registry-secret
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: wharf-registry
    path: $HTPASSWD
EOF
    rm -f "$PIDFILE"
    # Blobs of manifests deleted since the last start (the registry bench
    # deletes what it pushed) are only freed by an offline collection.
    if [ -d "$STORAGE/docker/registry/v2/repositories" ]; then
        log "collecting unreferenced blobs in $STORAGE"
        /usr/bin/docker-registry garbage-collect "$CONF" >>"$LOG" 2>&1 ||
            log "garbage-collect failed (see $LOG); starting anyway"
    fi
    log "starting docker-registry $(dpkg-query -W -f='${Version}' docker-registry) on $ADDR (log: $LOG)"
    echo "===== $(date -Is) registry.sh up" >>"$LOG"
    setsid /usr/bin/docker-registry serve "$CONF" </dev/null >>"$LOG" 2>&1 &
    local rpid=$!
    echo "$rpid" >"$PIDFILE"
    if ! wait_for 30 "$rpid" answers; then
        tail -20 "$LOG" >&2
        die "registry did not come up on $ADDR"
    fi
    log "up on $ADDR, pid $rpid"
    echo "WHARF_TEST_REGISTRY=$ADDR"
}

down() {
    require_root
    local pid
    if pid=$(daemon_pid); then
        log "stopping registry pid $pid"
        stop_pid "$pid" 10
    else
        log "registry not running"
    fi
    rm -f "$PIDFILE"
    if [ "${1:-}" = --purge ]; then
        log "purging $STORAGE"
        rm -rf --one-file-system "$STORAGE" "$STATE"
    fi
    log "down"
}

case ${1:-} in
    up) up ;;
    down) shift; down "$@" ;;
    status) status ;;
    *) usage_action ;;
esac
