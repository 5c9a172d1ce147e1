#!/usr/bin/env bash
# The trust simulation (tests/Facilities.Simulation): honest contributors, lone vandals and sock-puppet rings making
# proposals and votes through the real API (in-process) and database, for 0, 10, 20 and 30% adversaries. Prints the
# share of wrong values published, the share of honest proposals accepted and the votes acceptance took.
# About two minutes on 2 cores.
#
#   ./simulate.sh
#   ./simulate.sh --steps 600 --seed 3 --shares 20
#   ./simulate.sh --set Reputation:ApplyUpdatesAtOnce=1000     # try other rules (any configuration key)
#
# ConnectionStrings__Facilities, when set, names the server to use (the user must be able to create databases);
# otherwise the private cluster of scripts/pg-cluster.sh is started, and stopped again at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
  # shellcheck source=scripts/pg-cluster.sh
  source scripts/pg-cluster.sh
  trap pg_cluster_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pg_cluster_start
fi

dotnet run -c Release --project tests/Facilities.Simulation -- "$@"
