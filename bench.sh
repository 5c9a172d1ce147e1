#!/usr/bin/env bash
# Reruns the published figures (tests/Facilities.Benchmarks): 1,000,000 synthetic facilities in the private
# PostgreSQL cluster, the nearby and clusters endpoints under load next to the same SQL sent straight to PostGIS,
# and the API's peak memory. Prints a results table with PASS/MISS next to each target; never fails on a target.
# About 5 minutes on 2 cores, plus about a minute the first time for loading the data.
#
#   ./bench.sh                          # everything: 3 rounds of 5 s per load point, API and PostGIS alternating
#   ./bench.sh --rounds 1 --concurrency 2,8
#   ./bench.sh --help                   # all options
#
# ConnectionStrings__Facilities, when set, names another server to use (the user must be able to create the
# database facilities_bench there); otherwise the private cluster of scripts/pg-cluster.sh is started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

for arg in "$@"; do
  if [[ "$arg" == "--help" || "$arg" == "-h" || "$arg" == "--print-scripts" ]]; then
    exec dotnet run -c Release --project tests/Facilities.Benchmarks -- "$@"
  fi
done

if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
  if [[ ! -f scripts/pg-cluster.sh ]]; then
    echo "bench.sh: scripts/pg-cluster.sh is missing and ConnectionStrings__Facilities is not set." >&2
    exit 1
  fi
  # shellcheck source=scripts/pg-cluster.sh
  source scripts/pg-cluster.sh
  if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
    if ! declare -F pg_cluster_start >/dev/null; then
      echo "bench.sh: scripts/pg-cluster.sh defines no pg_cluster_start to start the private cluster." >&2
      exit 1
    fi
    pg_cluster_start
  fi
fi
if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
  echo "bench.sh: no database: ConnectionStrings__Facilities is still unset." >&2
  exit 1
fi

# wrk drives the API; pgbench (part of PostgreSQL's server package on Debian) drives PostGIS directly.
if ! command -v wrk >/dev/null 2>&1; then
  if [[ "$(id -u)" -eq 0 ]]; then
    echo "bench.sh: installing wrk" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench.sh: wrk is not installed; run: sudo apt-get install wrk" >&2
    exit 1
  fi
fi
if ! command -v pgbench >/dev/null 2>&1; then
  echo "bench.sh: pgbench is not installed; it comes with PostgreSQL (Debian: apt-get install postgresql-15)" >&2
  exit 1
fi

exec dotnet run -c Release --project tests/Facilities.Benchmarks -- "$@"
