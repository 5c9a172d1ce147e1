#!/usr/bin/env bash
# Runs every test: unit tests, the API against a real PostGIS, the map page in Debian's Chromium. Installs
# PostGIS and Chromium if missing (as root), starts the private PostgreSQL cluster (scripts/pg-cluster.sh) and
# stops it afterwards if this script started it. Screenshots of the map page land in artifacts/.
#
#   ./test.sh
#   ./test.sh --filter 'FullyQualifiedName~Nearby'         # extra arguments go to dotnet test
#   ConnectionStrings__Facilities='Host=...' ./test.sh     # a server where this user may create databases
#   FACILITIES_HA_TESTS=1 ./test.sh                        # then also the HA topology's checks (scripts/ha-check.sh)
set -euo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$REPO"
# shellcheck source=scripts/pg-cluster.sh
source scripts/pg-cluster.sh

# Stop the cluster this script started, whichever way it ends; the signals only turn into exits so that this runs.
trap pg_cluster_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

require_dotnet_sdk
require_debian_package chromium /usr/bin/chromium "Chromium for the browser tests"
require_debian_package gdal-bin /usr/bin/ogrinfo "GDAL (ogrinfo, ogr2ogr) for the open-data tests"
# Without a CJK font Chromium draws the zh-Hans page's text as boxes in the screenshots people look at.
require_debian_package fonts-wqy-microhei /usr/share/fonts/truetype/wqy/wqy-microhei.ttc "a Chinese font for the page's screenshots"
pg_cluster_start

export FACILITIES_TEST_ARTIFACTS="$REPO/artifacts"
# The PostgreSQL crash test kills and restarts a throwaway cluster of its own (never this one, which the other tests
# share): it runs these binaries as this user (empty: the current one).
export FACILITIES_TEST_PG_BIN="$PG_CLUSTER_BIN"
export FACILITIES_TEST_PG_USER="${_pg_cluster_user:-}"
mkdir -p -- "$FACILITIES_TEST_ARTIFACTS"

status=0
dotnet test Facilities.sln -c Release "$@" || status=$?

# The HA topology's checks (scripts/ha-check.sh: tokens across replicas, reads on the standby, read-your-writes,
# point-in-time restore, an API replica and the primary killed -9) take minutes and install etcd, Patroni, HAProxy and
# pgBackRest: they run only when asked, FACILITIES_HA_TESTS=1 ./test.sh, on a fresh .data/ha.
if [[ "${FACILITIES_HA_TESTS:-}" == 1 && "$status" == 0 ]]; then
  rm -rf -- "$REPO/.data/ha"
  ha_log="$FACILITIES_TEST_ARTIFACTS/ha-run.log"
  FACILITIES_URLS=http://localhost:56149 RateLimits__AuthPerIp=100000 ConnectionStrings__Facilities="" \
    setsid ./run.sh --ha >"$ha_log" 2>&1 </dev/null &
  ha_pid=$!
  deadline=$((SECONDS + 600))
  until curl -sf -o /dev/null http://127.0.0.1:56149/healthz/ready; do
    if ! kill -0 "$ha_pid" 2>/dev/null || (( SECONDS >= deadline )); then
      tail -n 30 "$ha_log" >&2
      status=1
      break
    fi
    sleep 2
  done
  if (( status == 0 )); then
    scripts/ha-check.sh http://localhost:56149 || status=$?
  fi
  kill -TERM "$ha_pid" 2>/dev/null || true
  wait "$ha_pid" 2>/dev/null || true
fi
exit "$status"
