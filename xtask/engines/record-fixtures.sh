#!/bin/bash
# record-fixtures.sh [ENGINE...]   (default: docker-28 docker-20 podman)
#
# Records real API responses of the test engines into
# tests/fixtures/<engine>-<version>/ (e.g. docker-28.5.2, docker-20.10.24,
# podman-4.3.1), for the decoding tests. Start the engines first:
#   cargo xtask engine up docker-28   (docker-20, podman)
#
# Against each engine, through its own API version (/vX.Y from /version):
#   1. builds wharf-test/busybox:latest FROM scratch (POST /build with a tar
#      context: Dockerfile + Debian's static /bin/busybox)
#   2. creates a labeled network, a labeled volume and a running container
#      (sleep 300) on them
#   3. records the JSON bodies, pretty-printed (checked to decode to the same
#      value as the body the engine sent) into:
#        info.json version.json containers-list.json container-inspect.json
#        images-list.json image-inspect.json networks-list.json volumes-list.json
#        system-df.json stats.json
#      and events.jsonl: the engine's events between just before the network was
#      created and just after the container was stopped, one line each as sent
#   4. removes what it created (container, network, volume, image)
set -euo pipefail
ENGINE=fixtures
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=xtask/engines/lib.sh disable=SC2034  # ENGINE is read by lib.sh
. "$HERE/lib.sh"
ROOT=$(cd "$HERE/../.." && pwd)
OUT_BASE=${WHARF_FIXTURES_DIR:-$ROOT/tests/fixtures}

IMAGE=wharf-test/busybox:latest
NET=wharf-fixtures-net
VOL=wharf-fixtures-vol
CTR=wharf-fixtures
LABEL_KEY=org.wharf.test
LABEL_VAL=fixtures

[ $# -gt 0 ] || set -- docker-28 docker-20 podman
require_root
ensure_pkgs busybox-static curl python3
BUSYBOX=/bin/busybox
dpkg-query -S "$BUSYBOX" 2>/dev/null | grep -q '^busybox-static:' ||
    die "$BUSYBOX is not busybox-static's: the image FROM scratch needs a static busybox"

TMP=$(mktemp -d)
SOCK='' API=''
# on any exit, also an early one: remove the objects of the engine at hand
trap '[ -n "$SOCK" ] && (cleanup_objects) >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# the build context, shared by all engines
mkdir -p "$TMP/ctx"
cp "$BUSYBOX" "$TMP/ctx/busybox"
cat >"$TMP/ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
CMD ["/bin/sh"]
EOF
tar -C "$TMP/ctx" -cf "$TMP/context.tar" Dockerfile busybox

# api METHOD PATH [JSON]: the response body on stdout; fails on HTTP >= 400
api() {
    local method=$1 path=$2 body=${3:-} code
    local args=(-sS -m 120 --unix-socket "$SOCK" -X "$method" -o "$TMP/body" -w '%{http_code}')
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    code=$(curl "${args[@]}" "http://d$API$path") || die "$method $API$path: curl failed"
    if [ "$code" -ge 400 ]; then
        log "$method $API$path -> HTTP $code: $(head -c 500 "$TMP/body")"
        return 1
    fi
    cat "$TMP/body"
}

# record FILE METHOD PATH: store the body pretty-printed, after checking that it
# decodes to exactly what the engine sent
record() {
    local file=$1 path=$2
    api GET "$path" >"$TMP/raw" || die "GET $path failed"
    python3 - "$TMP/raw" "$OUT/$file" <<'PY'
import json, sys
raw = open(sys.argv[1], encoding="utf-8").read()
value = json.loads(raw)
text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
assert json.loads(text) == value
open(sys.argv[2], "w", encoding="utf-8").write(text)
PY
    log "  $file  <- GET $API$path"
}

json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

cleanup_objects() {
    api DELETE "/containers/$CTR?force=1&v=1" >/dev/null 2>&1 || true
    api DELETE "/networks/$NET" >/dev/null 2>&1 || true
    api DELETE "/volumes/$VOL?force=1" >/dev/null 2>&1 || true
}

for engine in "$@"; do
    SOCK=$WHARF_RUN/$engine.sock
    API=
    api_ping "$SOCK" || die "$engine does not answer on $SOCK: cargo xtask engine up $engine"
    ver_json=$(curl -sS --unix-socket "$SOCK" http://d/version)
    api_version=$(echo "$ver_json" | json_get 'd["ApiVersion"]')
    dir=$(echo "$ver_json" | json_get '
("podman-" if any(c.get("Name") == "Podman Engine" for c in d.get("Components") or []) else "docker-")
+ d["Version"].split("+")[0]')
    API=/v$api_version
    OUT=$OUT_BASE/$dir
    log "$engine: $dir, API $api_version -> ${OUT#"$ROOT"/}"
    mkdir -p "$OUT"
    rm -f "$OUT"/*.json "$OUT"/*.jsonl
    cleanup_objects   # leftovers of an interrupted run

    # ---- 1. the test image
    labels=$(python3 -c 'import json,urllib.parse,sys; print(urllib.parse.quote(json.dumps({sys.argv[1]: sys.argv[2]})))' "$LABEL_KEY" "$LABEL_VAL")
    log "  building $IMAGE"
    curl -sS -m 300 --unix-socket "$SOCK" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary @"$TMP/context.tar" -o "$TMP/build.log" -w '%{http_code}\n' \
        "http://d$API/build?t=$(printf %s "$IMAGE" | sed 's,/,%2F,g;s,:,%3A,g')&rm=1&forcerm=1&labels=$labels" >"$TMP/build.code"
    if [ "$(cat "$TMP/build.code")" != 200 ] || grep -q '"error' "$TMP/build.log"; then
        cat "$TMP/build.log" >&2
        die "$engine: build failed"
    fi
    image_id=$(api GET "/images/$IMAGE/json" | json_get 'd["Id"]')

    # ---- 2. network, volume, container
    # events from here on: a second boundary after the build's own events
    sleep 1.2
    since=$(date +%s)
    lab="{\"$LABEL_KEY\":\"$LABEL_VAL\"}"
    api POST /networks/create "{\"Name\":\"$NET\",\"Labels\":$lab}" >/dev/null
    api POST /volumes/create "{\"Name\":\"$VOL\",\"Labels\":$lab}" >/dev/null
    ctr_id=$(api POST "/containers/create?name=$CTR" "{
        \"Image\": \"$IMAGE\",
        \"Cmd\": [\"sleep\", \"300\"],
        \"Env\": [\"WHARF_FIXTURE=1\"],
        \"Labels\": $lab,
        \"ExposedPorts\": {\"8080/tcp\": {}},
        \"HostConfig\": {
            \"NetworkMode\": \"$NET\",
            \"Mounts\": [{\"Type\": \"volume\", \"Source\": \"$VOL\", \"Target\": \"/data\"}],
            \"PortBindings\": {\"8080/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"\"}]}
        }
    }" | json_get 'd["Id"]')
    api POST "/containers/$ctr_id/start" >/dev/null
    sleep 2
    state=$(api GET "/containers/$ctr_id/json" | json_get 'd["State"]["Status"]')
    [ "$state" = running ] || die "$engine: container is $state, not running"

    # ---- 3. the recordings
    record version.json /version
    record info.json /info
    record containers-list.json "/containers/json?all=1"
    record container-inspect.json "/containers/$ctr_id/json"
    record images-list.json /images/json
    record image-inspect.json "/images/$image_id/json"
    record networks-list.json /networks
    record volumes-list.json /volumes
    record system-df.json /system/df
    record stats.json "/containers/$ctr_id/stats?stream=false"

    # the events request is open while the container stops: podman 4.3 answers
    # nothing at all when `until` is already past, so `until` lies ahead here
    until=$(($(date +%s) + 6))
    curl -sS -m 30 --unix-socket "$SOCK" -o "$TMP/events" \
        "http://d$API/events?since=$since&until=$until" &
    events_pid=$!
    sleep 1
    api POST "/containers/$ctr_id/stop?t=1" >/dev/null
    wait "$events_pid" || die "$engine: GET /events failed"
    python3 - "$TMP/events" "$OUT/events.jsonl" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip()]
for l in lines:
    json.loads(l)
actions = [json.loads(l).get("Action", json.loads(l).get("status")) for l in lines]
for want in ("create", "start", "die"):
    assert want in actions, "no %r event in %r" % (want, actions)
open(sys.argv[2], "w", encoding="utf-8").write("".join(l + "\n" for l in lines))
PY
    log "  events.jsonl  <- GET $API/events?since=$since&until=$until ($(wc -l <"$OUT/events.jsonl") lines)"

    # ---- 4. clean up
    cleanup_objects
    api DELETE "/images/$IMAGE?force=1" >/dev/null || log "  could not remove $IMAGE"
    log "$engine: done"
done
