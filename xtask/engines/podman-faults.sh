#!/bin/bash
# podman-faults.sh up|down|status|kill|restart [--purge]
#
# A Podman service of its own for the fault tests, which SIGKILL it and start
# it again (`kill`, `restart`): podman.sh as a separate instance, sharing
# nothing with the shared `podman` engine that other tests use.
#
#   socket   unix:///run/wharf/podman-faults.sock
#   config   /run/wharf/podman-faults/
#   storage  /var/lib/wharf/podman-faults
#   log      /var/log/wharf/podman-faults.log
#
# Why Podman and not a second dockerd: a service killed with SIGKILL comes
# back in about a second on the same storage, with no containerd, bridge or
# address pool of its own to keep apart from docker-28's. The fault tests'
# containers use no network (NetworkMode none), so the CNI bridge that both
# instances would configure is never set up by this one.
set -euo pipefail
export WHARF_PODMAN_INSTANCE=podman-faults
exec bash "$(dirname "$0")/podman.sh" "$@"
