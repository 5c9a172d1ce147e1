#!/usr/bin/env bash
# Measures the open-data endpoints on 1,000,000 synthetic facilities (README, "Open data: measured"):
#   - GET /api/v1/export/facilities.geojson and .csv: features/s and the API's peak memory (VmHWM);
#   - GET /ogc/collections/facilities/items?limit=1000: requests/s with wrk, first page and a deep page.
# Prints the figures; never fails on a target. About two minutes on 2 cores, plus a minute the first time for
# loading the data into the database facilities_opendata_bench (kept for reruns; drop it to reload).
#
#   ./bench-opendata.sh                 # ConnectionStrings__Facilities names the server, or scripts/pg-cluster.sh starts one
#   DURATION=20 ./bench-opendata.sh     # seconds per wrk run (default 10)
#
# The API runs from a Release build as production runs it (dotnet Facilities.Api.dll), Server GC, on a free port.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

DURATION="${DURATION:-10}"
ROWS=1000000
DB=facilities_opendata_bench

if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
  if [[ -f scripts/pg-cluster.sh ]]; then
    # shellcheck source=/dev/null
    source scripts/pg-cluster.sh
    if [[ -z "${ConnectionStrings__Facilities:-}" ]] && declare -F pg_cluster_start >/dev/null; then
      pg_cluster_start
    fi
  fi
fi
if [[ -z "${ConnectionStrings__Facilities:-}" ]]; then
  echo "bench-opendata.sh: set ConnectionStrings__Facilities to a PostgreSQL + PostGIS server (Host=...;Port=...;Username=...)" >&2
  exit 1
fi
for tool in psql wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench-opendata.sh: $tool is not installed" >&2; exit 1; }
done

# libpq parameters from the Npgsql connection string (Host, Port, Username, Password).
declare -A cs=()
IFS=';' read -ra parts <<<"$ConnectionStrings__Facilities"
for part in "${parts[@]}"; do
  [[ "$part" == *=* ]] || continue
  key="$(echo "${part%%=*}" | tr '[:upper:]' '[:lower:]' | tr -d ' ')"
  cs[$key]="${part#*=}"
done
export PGHOST="${cs[host]:-127.0.0.1}" PGPORT="${cs[port]:-5432}" PGUSER="${cs[username]:-${cs[user id]:-postgres}}"
[[ -n "${cs[password]:-}" ]] && export PGPASSWORD="${cs[password]}"
BENCH_CS="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Database=$DB${cs[password]:+;Password=${cs[password]}}"

echo "== building the API (Release)"
dotnet build src/Facilities.Api -c Release -v quiet -nologo >/dev/null

if [[ "$(psql -d postgres -Atc "select count(*) from pg_database where datname = '$DB'")" == "0" ]]; then
  psql -d postgres -qc "create database $DB"
fi

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
API_PID=""
cleanup() { [[ -n "$API_PID" ]] && kill "$API_PID" 2>/dev/null || true; }
trap cleanup EXIT

start_api() {
  ConnectionStrings__Facilities="$BENCH_CS" ASPNETCORE_URLS="$BASE" ASPNETCORE_ENVIRONMENT=Production \
    Logging__LogLevel__Default=Warning DOTNET_gcServer=1 \
    dotnet src/Facilities.Api/bin/Release/net10.0/Facilities.Api.dll >/tmp/bench-opendata-api.log 2>&1 &
  API_PID=$!
  for _ in $(seq 1 600); do
    curl -sf "$BASE/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$API_PID" 2>/dev/null || { cat /tmp/bench-opendata-api.log >&2; exit 1; }
    sleep 0.2
  done
  echo "bench-opendata.sh: the API did not start" >&2; exit 1
}

# The API migrates the schema on start; the rows go in afterwards, once, with SQL (the bench is about reading).
start_api
count="$(psql -d "$DB" -Atc "select count(*) from facilities")"
if (( count < ROWS )); then
  echo "== loading $ROWS synthetic facilities into $DB (once)"
  psql -d "$DB" -v ON_ERROR_STOP=1 -q <<'SQL'
begin;
truncate facilities cascade;
truncate cluster_cells;
alter table facilities disable trigger facilities_cluster_cells;
insert into datasets (id, kind, name, license, attribution)
values ('00000000-0000-0000-0000-00000000b001', 'official', 'Bench city open data (synthetic)', 'CC-BY-4.0', 'Synthetic benchmark data')
on conflict do nothing;
-- Five cities, a 0.6 x 0.4 degree box each; ids shaped like the service's UUIDv7 (time-ordered, as written).
insert into facilities (id, category, geom, name, operator, status, access, fee, opening_hours, wheelchair,
                        changing_table, gender, attributes, confidence, version, created_at, updated_at)
select (lpad(to_hex(1700000000000 + i), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
       (array['toilet', 'drinking_water', 'aed', 'shower', 'bench'])[1 + i % 5],
       ST_SetSRID(ST_MakePoint((array[118.78, 121.47, 116.40, -0.12, 151.21])[1 + (i / 5) % 5] + (random() - 0.5) * 0.6,
                               (array[32.06, 31.23, 39.90, 51.50, -33.87])[1 + (i / 5) % 5] + (random() - 0.5) * 0.4), 4326),
       'Facility ' || i || case when i % 7 = 0 then ', "quoted"' else '' end,
       case when i % 3 = 0 then 'City council' end,
       case when i % 97 = 0 then 'removed' when i % 41 = 0 then 'temporarily_closed' else 'open' end,
       (array['public', 'customers', 'key', 'permissive', 'private', 'unknown'])[1 + i % 6],
       case i % 3 when 0 then true when 1 then false end,
       case when i % 2 = 0 then 'Mo-Su 06:00-22:00' end,
       (array['yes', 'limited', 'no', 'unknown'])[1 + i % 4],
       case when i % 4 = 0 then true end,
       case when i % 5 = 0 then array['female', 'male'] else '{}' end,
       case when i % 5 = 0 then '{"hand_washing": true, "indoor": false}'::jsonb else '{}' end,
       0.5 + (i % 50) / 100.0, 1,
       timestamptz '2026-01-01' + i * interval '10 seconds', timestamptz '2026-01-01' + i * interval '10 seconds'
from generate_series(1, 1000000) i, lateral (select md5(i::text) as h) m;
insert into source_records (dataset_id, external_id, facility_id, geom, observed_at)
select '00000000-0000-0000-0000-00000000b001', 'bench-1', id, geom, updated_at from facilities order by id limit 1;
alter table facilities enable trigger facilities_cluster_cells;
select rebuild_cluster_cells();
commit;
vacuum analyze facilities;
SQL
fi
visible="$(psql -d "$DB" -Atc "select count(*) from facilities where status <> 'removed'")"
echo "   $visible facilities in the public layer"

# Restart so the peak memory below is the exports' and the pages', not the start-up's.
kill "$API_PID"; wait "$API_PID" 2>/dev/null || true; API_PID=""
start_api
hwm() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$API_PID/status"; }
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$API_PID/status"; }
echo "   API pid $API_PID, RSS after start $(rss) MiB"

export_run() {
  local path="$1"
  local out
  out="$(curl -s -o /dev/null -w '%{time_total} %{size_download} %{http_code}' "$BASE$path")"
  read -r seconds bytes code <<<"$out"
  awk -v s="$seconds" -v b="$bytes" -v n="$visible" -v c="$code" -v p="$path" -v hwm="$(hwm)" 'BEGIN {
    printf "   %-40s HTTP %s  %7.1f MB in %5.1f s  %8.0f features/s  %6.1f MB/s  peak RSS so far %s MiB\n",
           p, c, b / 1e6, s, n / s, b / 1e6 / s, hwm }'
}

echo "== exports (target: >= 50,000 features/s, peak RSS < 300 MiB)"
export_run /api/v1/export/facilities.geojson
export_run /api/v1/export/facilities.csv
export_run /api/v1/export/facilities.geojson

echo "== OGC API items, limit=1000, $DURATION s each, 2 threads x 8 connections"
deep="$(curl -s "$BASE/ogc/collections/facilities/items?limit=1000&offset=500000" |
  python3 -c 'import json,sys; print([l["href"] for l in json.load(sys.stdin)["links"] if l["rel"] == "next"][0])')"
for url in "$BASE/ogc/collections/facilities/items?limit=1000" "$deep" "$BASE/ogc/collections/toilet/items?limit=1000&bbox=118.6,31.9,118.9,32.2"; do
  printf '   %s\n' "${url#"$BASE"}"
  wrk -t2 -c8 -d"${DURATION}s" --latency "$url" | awk '/Requests\/sec|Latency  |50%|99%|Non-2xx/ { print "     " $0 }'
done
echo "   peak RSS of the API over the whole run: $(hwm) MiB"
