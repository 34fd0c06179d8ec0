#!/bin/bash
# docker-20-swarm.sh up|down|status [--purge]
#
# Docker Engine 20.10 (API 1.41) for the swarm tests, in a network namespace of its own; see swarm-engine.sh.
set -euo pipefail
BASE=20
# shellcheck source=xtask/engines/swarm-engine.sh
. "$(dirname "$0")/swarm-engine.sh"
swarm_engine_main "$@"
