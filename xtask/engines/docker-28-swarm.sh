#!/bin/bash
# docker-28-swarm.sh up|down|status [--purge]
#
# Docker Engine 28.5 (API 1.51) for the swarm tests, in a network namespace of its own; see swarm-engine.sh.
set -euo pipefail
BASE=28
# shellcheck source=xtask/engines/swarm-engine.sh
. "$(dirname "$0")/swarm-engine.sh"
swarm_engine_main "$@"
