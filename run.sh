#!/usr/bin/env bash
# Serves Facilities on this machine: installs PostGIS if missing, starts the private PostgreSQL cluster
# (scripts/pg-cluster.sh), then runs the API, which migrates the schema and loads data-seed/ into a database
# that has never been seeded. Ctrl-C stops the API, then the cluster if this script started it.
#
#   ./run.sh
#   FACILITIES_URLS=http://0.0.0.0:8080 ./run.sh          # where to serve (an ASP.NET Core URL list)
#   FACILITIES_PG_PORT=55500 ./run.sh                      # port of the private cluster
#   ConnectionStrings__Facilities='Host=...' ./run.sh      # another database; no cluster is started
#   ./run.sh --demo london     # real data instead of the invented: London's council files and OpenStreetMap's toilets
#                              # (tests/data/london-toilets) imported through the partner API into their own database,
#                              # facilities_london, the first time; the private cluster only
#   ./run.sh --ha              # the high-availability topology on this machine (scripts/ha-cluster.sh): etcd, two
#                              # PostgreSQL nodes under Patroni, HAProxy, and two API replicas behind it on the same URL
set -euo pipefail
REPO="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$REPO"
# shellcheck source=scripts/pg-cluster.sh
source scripts/pg-cluster.sh

api_pid=""
replica_pids=()
ha=""
stop_replicas() {
  local pid
  for pid in "${replica_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${replica_pids[@]}"; do
    local waited=0
    while kill -0 "$pid" 2>/dev/null && (( waited < 400 )); do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
stop_everything() {
  if [[ -n "$ha" ]]; then
    stop_replicas
    ha_stop || true
    return
  fi
  if [[ -n "$api_pid" ]] && kill -0 "$api_pid" 2>/dev/null; then
    # dotnet run passes SIGTERM on to the API, which then shuts down gracefully (up to 30 s by default).
    kill -TERM "$api_pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$api_pid" 2>/dev/null && (( waited < 400 )); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$api_pid" 2>/dev/null; then
      echo "run.sh: the API did not stop within 40 s; killing it" >&2
      pkill -KILL -P "$api_pid" 2>/dev/null || true
      kill -KILL "$api_pid" 2>/dev/null || true
    fi
    wait "$api_pid" 2>/dev/null || true
  fi
  pg_cluster_stop || true
}
# The EXIT trap does the cleanup; INT, TERM and HUP (a closed terminal) only turn the signal into an exit so that
# it runs.
trap stop_everything EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

demo=""
case "$*" in
  "") ;;
  "--demo london") demo=london ;;
  "--ha") ha=1 ;;
  *) echo "usage: ./run.sh [--demo london | --ha]" >&2; exit 2 ;;
esac
if [[ -n "$ha" && -n "${ConnectionStrings__Facilities:-}" ]]; then
  echo "run.sh: --ha starts its own PostgreSQL nodes; unset ConnectionStrings__Facilities" >&2
  exit 2
fi
if [[ -n "$demo" && -n "${ConnectionStrings__Facilities:-}" ]]; then
  echo "run.sh: --demo london makes its own database in the private cluster; unset ConnectionStrings__Facilities" >&2
  exit 2
fi

require_dotnet_sdk

if [[ -n "$ha" ]]; then
  # shellcheck source=scripts/ha-cluster.sh
  source scripts/ha-cluster.sh
  urls="${FACILITIES_URLS:-http://localhost:5080}"
  base="${urls%%;*}"
  base="${base%/}"
  hostport="${base#*://}"
  bind="$(sed -E 's#^(localhost|\[::1\])#127.0.0.1#; s#^(\+|\*|0\.0\.0\.0|\[::\])#*#' <<<"$hostport")"
  ha_start
  echo "Building the API (the first build takes a minute)."
  dotnet build src/Facilities.Api -c Release -v quiet -nologo
  dll="$REPO/src/Facilities.Api/bin/Release/net10.0/Facilities.Api.dll"
  replica_urls=("${HA_API_URLS[@]}")
  for i in 0 1; do
    # The first replica loads the demo data into a database never seeded; the second starts once it is ready.
    seed=""
    (( i == 0 )) && seed="$REPO/data-seed"
    (cd src/Facilities.Api && exec env ASPNETCORE_URLS="${replica_urls[$i]}" Facilities__SeedDirectory="$seed" \
      Facilities__ShutdownDrainSeconds=5 Facilities__ForwardedHeaders=true dotnet "$dll") >>"$HA_BASE/api$((i + 1)).log" 2>&1 &
    replica_pids+=("$!")
    until curl -sf -o /dev/null "${replica_urls[$i]}/healthz/ready"; do
      kill -0 "${replica_pids[$i]}" 2>/dev/null || { tail -n 30 "$HA_BASE/api$((i + 1)).log" >&2; exit 1; }
      sleep 1
    done
  done
  ha_serve "$bind" "${replica_urls[@]}"
  echo "Serving through HAProxy over two API replicas (logs in $HA_BASE):"
  echo "  the map              $base/"
  echo "  readiness            $base/healthz/ready"
  echo "  HAProxy's stats      http://127.0.0.1:$HA_STATS_PORT/"
  echo "  PostgreSQL writes    127.0.0.1:$HA_WRITE_PORT (Patroni's leader), reads 127.0.0.1:$HA_READ_PORT (the standby)"
  echo "Ctrl-C stops everything."
  # One replica killed leaves the other serving; the script ends when both have.
  wait "${replica_pids[@]}" || true
  exit 1
fi

pg_cluster_start

seed="$REPO/data-seed"
settings=()
if [[ "$demo" == london ]]; then
  if [[ -z "$(pg_cluster_psql -d postgres -tAc "select 1 from pg_database where datname = 'facilities_london'")" ]]; then
    pg_cluster_psql -d postgres -qc "create database facilities_london"
  fi
  export ConnectionStrings__Facilities="${ConnectionStrings__Facilities/Database=facilities/Database=facilities_london}"
  seed=""
  # The admin who makes the partners; kept beside the cluster, since the first start fixes the account's password.
  if [[ ! -s .data/london-admin-password ]]; then
    (umask 077 && head -c 18 /dev/urandom | base64 >.data/london-admin-password)
  fi
  export FACILITIES_ADMIN_EMAIL=london-demo-admin@localhost
  FACILITIES_ADMIN_PASSWORD="$(cat .data/london-admin-password)"
  export FACILITIES_ADMIN_PASSWORD
  # Without the resident's location the map opens where the data is (env: a key with a hyphen is no shell variable).
  settings=(Facilities__Map__DemoCity__Lat=51.5154 Facilities__Map__DemoCity__Lon=-0.1410 Facilities__Map__DemoCity__Zoom=13
    Facilities__Map__DemoCity__Labels__en=London Facilities__Map__DemoCity__Labels__zh-Hans=伦敦)
fi

urls="${FACILITIES_URLS:-http://localhost:5080}"
base="${urls%%;*}"
base="${base%/}"
# ASP.NET Core reads +, * and 0.0.0.0 as every interface; a browser on this machine reaches them as localhost.
base="$(sed -E 's#://(\+|\*|0\.0\.0\.0|\[::\])#://localhost#' <<<"$base")"
echo "Building and starting the API (the first build takes a minute). It will serve:"
echo "  the map              $base/"
echo "  API documentation    $base/docs"
echo "  health               $base/healthz"
echo "Ctrl-C stops it."

# In the background with `wait`, so that this shell handles Ctrl-C itself. A script's background command ignores
# SIGINT, so the API does not see the Ctrl-C; stop_everything sends dotnet run SIGTERM instead.
env "${settings[@]}" ASPNETCORE_URLS="$urls" Facilities__SeedDirectory="$seed" \
  dotnet run --project src/Facilities.Api -c Release --no-launch-profile &
api_pid=$!

if [[ "$demo" == london && -z "$(pg_cluster_psql -d facilities_london -tAc "select 1 from datasets limit 1" 2>/dev/null)" ]]; then
  until curl -sf "$base/healthz" >/dev/null 2>&1; do
    kill -0 "$api_pid" 2>/dev/null || { wait "$api_pid"; exit 1; }
    sleep 1
  done
  echo "Importing the London files through the partner API (once):"
  dotnet run tools/partner-import.cs -- "$base" data-seed/london/datasets.json || echo "run.sh: the London import did not finish; see above" >&2
fi
wait "$api_pid"
