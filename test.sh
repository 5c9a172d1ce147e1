#!/usr/bin/env bash
# Runs every test: unit tests, the API against a real PostGIS, the map page in Debian's Chromium. Installs
# PostGIS and Chromium if missing (as root), starts the private PostgreSQL cluster (scripts/pg-cluster.sh) and
# stops it afterwards if this script started it. Screenshots of the map page land in artifacts/.
#
#   ./test.sh
#   ./test.sh --filter 'FullyQualifiedName~Nearby'         # extra arguments go to dotnet test
#   ConnectionStrings__Facilities='Host=...' ./test.sh     # a server where this user may create databases
#   FACILITIES_HA_TESTS=0 ./test.sh                        # without the HA topology's suite (scripts/ha-test.sh)
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
require_debian_package python3-gdal /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py "GDAL's GeoPackage validator"
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

# The HA topology's suite (scripts/ha-test.sh: a fresh etcd, two Patroni nodes, HAProxy and two API replicas, then
# scripts/ha-check.sh against them) after the other tests; the first run installs etcd-server, patroni, haproxy and
# pgbackrest. FACILITIES_HA_TESTS=0 leaves it out; a run with a --filter runs only what the filter selects.
if [[ "${FACILITIES_HA_TESTS:-}" != 0 && "$status" == 0 && " $* " != *" --filter"* ]]; then
  scripts/ha-test.sh || status=$?
fi
exit "$status"
