#!/usr/bin/env bash
# Reruns the import figures (tests/Facilities.ImportBenchmarks), each mode in its own process so peak memory is
# that mode's own:
#   throughput  100,000 CSV rows imported and conflated against 1,000,000 facilities (target 30 s)
#   memory      a 1,000,000-row CSV, dry run (target peak RSS 500 MB)
#   quality     the national toilet map and a noisy community copy (targets precision 0.99, recall 0.97)
# Prints PASS or MISS next to each target and never fails on one. The first run loads the 1,000,000-facility layer
# into the database facilities_import_bench (about a minute).
#
#   ./bench-import.sh                 # all three
#   ./bench-import.sh throughput      # one mode (throughput, memory, quality), optionally followed by a row count
#
# ConnectionStrings__Facilities, when set, names the server to use; otherwise the private cluster of
# scripts/pg-cluster.sh is started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
  # shellcheck source=scripts/pg-cluster.sh
  source scripts/pg-cluster.sh
  if [[ -z "${ConnectionStrings__Facilities:-}" ]] && declare -F pg_cluster_start >/dev/null; then
    pg_cluster_start
  fi
fi
if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
  echo "bench-import.sh: no database: set ConnectionStrings__Facilities." >&2
  exit 1
fi

dotnet build -c Release tests/Facilities.ImportBenchmarks >/dev/null
run() { dotnet run -c Release --no-build --project tests/Facilities.ImportBenchmarks -- "$@"; }
if [[ $# -gt 0 ]]; then
  run "$@"
else
  run quality
  run throughput
  run memory
fi
