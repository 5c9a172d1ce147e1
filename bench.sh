#!/usr/bin/env bash
# Runs the benchmarks (bench/Facilities.Bench), each printing its figures with PASS/MISS next to its targets; none
# fails on a target. docs/benchmarks.md holds the current figures. Times are for 2 cores.
#
#   ./bench.sh nearby     nearby and clusters over 1,000,000 facilities, the API against the same SQL straight to
#                         PostGIS (wrk, pgbench), p99 at half the peak, peak memory: ~5 min
#   ./bench.sh import     partner import: conflation quality, 100,000 rows against 1,000,000 facilities, a
#                         1,000,000-row dry run for memory; each in its own process: ~6 min. `import rerun`: the
#                         throughput import killed -9 in its write phase, restarted and timed again
#   ./bench.sh opendata   exports (GeoJSON, CSV, GeoPackage), OGC API items side by side with MapServer 8 and
#                         vector tiles over the same 1,000,000 facilities: ~5 min
#   ./bench.sh trust      the trust simulation at 0-30 % adversaries: ~3 min
#   ./bench.sh ha         the HA topology (./run.sh --ha, fresh): reads/s through HAProxy with the standby against one
#                         API on the primary alone, CPU per request per tier, failed requests during an API replica
#                         kill, primary kill to first write (scripts/ha-bench.sh): ~5 min
#   ./bench.sh soak       the API's RSS every 10 s under mixed reads and writes for 6 min, and its growth in MB/min
#   ./bench.sh all        nearby, import, opendata and trust in that order
#   ./bench.sh nearby --rounds 1 --concurrency 2,8      options go to the command; --help lists them
#
# The first run loads 1,000,000 synthetic facilities into the database facilities_bench (about a minute), which
# every benchmark then reads. ConnectionStrings__Facilities, when set, names another server (a user who may create
# databases there); otherwise the private cluster of scripts/pg-cluster.sh is started, and stopped at the end.
set -euo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$REPO"
# shellcheck source=scripts/pg-cluster.sh
source scripts/pg-cluster.sh

usage() {
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

command="${1:-}"
case "$command" in
  nearby | import | opendata | trust | soak | all) shift ;;
  ha)
    # Its own PostgreSQL nodes, not the private cluster: scripts/ha-test.sh starts and stops them.
    shift
    require_debian_package wrk /usr/bin/wrk "wrk (the HTTP load generator)"
    exec scripts/ha-test.sh --bench "$@"
    ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

require_dotnet_sdk
echo "bench.sh: building the benchmarks and the API (Release)" >&2
dotnet build bench/Facilities.Bench -c Release -v quiet -nologo >/dev/null
bench() { dotnet bench/Facilities.Bench/bin/Release/net10.0/Facilities.Bench.dll "$@"; }

# Asking for options needs no database.
for arg in "$@"; do
  if [[ "$arg" == "-h" || "$arg" == "--help" || "$arg" == "--print-scripts" ]]; then
    if [[ "$command" == "all" ]]; then
      echo "bench.sh: all takes no options" >&2
      exit 2
    fi
    bench "$command" "$@"
    exit
  fi
done
if [[ "$command" == "all" && $# -gt 0 ]]; then
  echo "bench.sh: all takes no options; run the commands one by one to pass some" >&2
  exit 2
fi

if [[ "$command" == "nearby" || "$command" == "opendata" || "$command" == "soak" || "$command" == "all" ]]; then
  require_debian_package wrk /usr/bin/wrk "wrk (the HTTP load generator)"
fi
# The open-data benchmark runs MapServer 8 as FastCGI behind nginx beside the API, and reads both with GDAL.
if [[ "$command" == "opendata" || "$command" == "all" ]]; then
  require_debian_package cgi-mapserver /usr/lib/cgi-bin/mapserv "MapServer 8 (the OGC API server compared with)"
  require_debian_package spawn-fcgi /usr/bin/spawn-fcgi "spawn-fcgi (runs MapServer's FastCGI processes)"
  require_debian_package nginx-light /usr/sbin/nginx "nginx (in front of MapServer)"
  require_debian_package gdal-bin /usr/bin/ogrinfo "GDAL (ogrinfo, ogr2ogr) to read both servers"
fi
if [[ "$command" == "nearby" || "$command" == "all" ]] && ! command -v pgbench >/dev/null 2>&1; then
  echo "bench.sh: pgbench is not installed; it comes with PostgreSQL (Debian: apt-get install postgresql-15)" >&2
  exit 1
fi

trap pg_cluster_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
pg_cluster_start

# Each import mode in its own process, so that the peak memory it prints is its own.
import_all() {
  bench import quality
  bench import throughput
  bench import memory
}

case "$command" in
  import) if [[ $# -gt 0 ]]; then bench import "$@"; else import_all; fi ;;
  all)
    bench nearby
    import_all
    bench opendata
    bench trust
    ;;
  *) bench "$command" "$@" ;;
esac
