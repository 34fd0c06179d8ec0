#!/bin/bash
# smoke.sh [ENGINE...]   (default: docker-28 docker-20 podman)
#
# A quick check, with curl only, that the running test engines do what the tests
# need: build FROM scratch, run, exec, logs, a user network (container to
# container), host to container, a published port on 127.0.0.1, and a push to
# and pull from the test registry (registry.sh) with basic auth. Cleans up after
# itself. Exit 1 if any check failed.
set -uo pipefail
ENGINE=smoke
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$HERE/lib.sh"

[ $# -gt 0 ] || set -- docker-28 docker-20 podman
REG=127.0.0.1:5000
REG_AUTH=$(printf '{"username":"wharf","password":"wharf-test-password","serveraddress":"%s"}' "$REG" |
    base64 -w0 | tr '+/' '-_')
TMP=$(mktemp -d)
fail=0
ok() { printf 'PASS  %-10s %s\n' "$E" "$*"; }
bad() { printf 'FAIL  %-10s %s\n' "$E" "$*"; fail=1; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# demultiplex a raw (non-TTY) attach/logs stream into its payload
demux() { python3 -c '
import struct, sys
b = sys.stdin.buffer.read(); i = 0; out = b""
while i + 8 <= len(b):
    n = struct.unpack(">I", b[i+4:i+8])[0]; out += b[i+8:i+8+n]; i += 8 + n
sys.stdout.write(out.decode())'; }

mkdir -p "$TMP/ctx"
cp /bin/busybox "$TMP/ctx/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nCMD ["/bin/sh"]\n' >"$TMP/ctx/Dockerfile"
tar -C "$TMP/ctx" -cf "$TMP/ctx.tar" Dockerfile busybox

for E in "$@"; do
    S=$WHARF_RUN/$E.sock
    if ! api_ping "$S"; then bad "not answering on $S"; continue; fi
    V=$(curl -s --unix-socket "$S" http://d/version | j 'd["ApiVersion"]')
    C=(curl -sS -m 60 --unix-socket "$S")
    A=http://d/v$V
    IMG=wharf-smoke/busybox:latest
    "${C[@]}" -X POST -H 'Content-Type: application/x-tar' --data-binary @"$TMP/ctx.tar" \
        "$A/build?t=wharf-smoke%2Fbusybox%3Alatest&rm=1&forcerm=1" >"$TMP/build.out"
    check "build FROM scratch with RUN (API $V)" grep -q 'Successfully tagged' "$TMP/build.out"

    "${C[@]}" -X POST -H 'Content-Type: application/json' -d '{"Name":"wharf-smoke-net"}' "$A/networks/create" >/dev/null
    mk() { # mk NAME JSON-HOSTCONFIG CMD-JSON
        "${C[@]}" -X POST -H 'Content-Type: application/json' \
            -d "{\"Image\":\"$IMG\",\"Cmd\":$3,\"ExposedPorts\":{\"8080/tcp\":{}},\"HostConfig\":$2}" \
            "$A/containers/create?name=$1" | j 'd["Id"]'
    }
    # shellcheck disable=SC2016  # $HOSTNAME is for the container's shell
    SRV=$(mk wharf-smoke-srv '{"NetworkMode":"wharf-smoke-net","PortBindings":{"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}}' \
        '["sh","-c","echo hello-$HOSTNAME >/i; echo out; echo err >&2; exec httpd -f -p 8080 -h /"]')
    "${C[@]}" -X POST "$A/containers/$SRV/start" >/dev/null
    sleep 1
    INS=$("${C[@]}" "$A/containers/$SRV/json")
    check "container running" test "$(echo "$INS" | j 'd["State"]["Status"]')" = running
    L=$("${C[@]}" "$A/containers/$SRV/logs?stdout=1&stderr=1" | demux | sort | tr '\n' ' ')
    check "logs stdout+stderr ($L)" test "$L" = "err out "
    EX=$("${C[@]}" -X POST -H 'Content-Type: application/json' \
        -d '{"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","test ! -e /etc/passwd && ls /bin | wc -l"]}' \
        "$A/containers/$SRV/exec" | j 'd["Id"]')
    N=$("${C[@]}" -X POST -H 'Content-Type: application/json' -d '{"Detach":false,"Tty":false}' "$A/exec/$EX/start" | demux | tr -d ' \n')
    check "exec inside the container's rootfs ($N applets)" test "${N:-0}" -gt 100
    IP=$(echo "$INS" | j 'list(d["NetworkSettings"]["Networks"].values())[0]["IPAddress"]')
    check "host -> container $IP:8080" sh -c "curl -s -m 5 http://$IP:8080/i | grep -q hello-"
    PORT=$(echo "$INS" | j 'd["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]')
    check "published port 127.0.0.1:$PORT" sh -c "curl -s -m 5 http://127.0.0.1:$PORT/i | grep -q hello-"
    CLI=$(mk wharf-smoke-cli '{"NetworkMode":"wharf-smoke-net"}' "[\"wget\",\"-qO-\",\"http://$IP:8080/i\"]")
    "${C[@]}" -X POST "$A/containers/$CLI/start" >/dev/null
    W=$("${C[@]}" -X POST "$A/containers/$CLI/wait" | j 'd["StatusCode"]')
    check "container -> container on a user network (exit $W)" test "$W" = 0

    if [ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://$REG/v2/")" = 401 ]; then
        R=$REG/wharf-smoke/$E
        "${C[@]}" -X POST "$A/images/wharf-smoke%2Fbusybox:latest/tag?repo=$R&tag=1" >/dev/null
        P=$("${C[@]}" -X POST -H "X-Registry-Auth: $REG_AUTH" "$A/images/$R/push?tag=1")
        check "push to $REG with basic auth" sh -c "echo '$P' | grep -q digest && ! echo '$P' | grep -q errorDetail"
        "${C[@]}" -X DELETE "$A/images/$R:1" >/dev/null
        P=$("${C[@]}" -X POST "$A/images/create?fromImage=$R&tag=1")
        check "pull without credentials is refused" sh -c "echo '$P' | grep -qE 'errorDetail|\"message\"'"
        P=$("${C[@]}" -X POST -H "X-Registry-Auth: $REG_AUTH" "$A/images/create?fromImage=$R&tag=1")
        check "pull from $REG with basic auth" sh -c "! echo '$P' | grep -q errorDetail"
        "${C[@]}" -X DELETE "$A/images/$R:1?force=1" >/dev/null
    fi

    "${C[@]}" -X DELETE "$A/containers/$SRV?force=1" >/dev/null
    "${C[@]}" -X DELETE "$A/containers/$CLI?force=1" >/dev/null
    "${C[@]}" -X DELETE "$A/networks/wharf-smoke-net" >/dev/null
    "${C[@]}" -X DELETE "$A/images/$IMG?force=1" >/dev/null
done
rm -rf "$TMP"
exit $fail
